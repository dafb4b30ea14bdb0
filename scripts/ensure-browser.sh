#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (Playwright's own download cannot be
# used). Install it, with CJK fonts for Chinese pages, when missing and we can.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if command -v fc-list >/dev/null 2>&1 && [ -z "$(fc-list :lang=zh 2>/dev/null | head -1)" ]; then
  missing+=(fonts-noto-cjk)
fi
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "[kam] installing ${missing[*]} with apt-get"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  exit 0
fi
if [[ " ${missing[*]} " == *" chromium "* ]]; then
  echo "[kam] The browser tests need Chromium at /usr/bin/chromium." >&2
  echo "[kam] Install it with:  sudo apt-get install chromium fonts-noto-cjk" >&2
  echo "[kam] (or set CHROMIUM_PATH to a Chromium binary)." >&2
  [ -n "${CHROMIUM_PATH:-}" ] && exit 0
  exit 1
fi
echo "[kam] CJK fonts are missing: Chinese screenshots will show boxes (apt-get install fonts-noto-cjk)."
