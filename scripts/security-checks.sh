#!/usr/bin/env bash
# Security checks run by `make test`:
#  1. bandit over the product's code: any high-severity finding fails the run
#     (medium and low ones are listed; each is reviewed and marked where the code is safe).
#  2. pip-audit over the installed dependencies: any known vulnerability fails the run.
#     It needs its vulnerability database (PyPI's JSON API per release, or OSV); where
#     that cannot be reached the audit cannot be made: the run then passes on bandit alone
#     and ends with a WARNING block saying the dependencies were NOT audited.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
# every Django application of the product (each directory with an apps.py: the site
# package config/ too), and the scripts
APPS=()
for app in */apps.py; do APPS+=("${app%/apps.py}"); done
APPS+=(scripts)

echo "[kam] bandit over ${APPS[*]}: high-severity findings fail"
"$VENV/bin/bandit" -q -r "${APPS[@]}" -x '*/migrations/*' --severity-level high \
  -f custom --msg-template "{relpath}:{line} {test_id} {severity}/{confidence} {msg}"
echo "[kam] bandit: no high-severity finding"

django=$("$VENV/bin/python" -c "import django; print(django.__version__)")
if curl -fsS -m 10 -o /dev/null "https://pypi.org/pypi/Django/$django/json" 2>/dev/null; then
  echo "[kam] pip-audit: known vulnerabilities in the installed dependencies fail"
  "$VENV/bin/pip-audit" --strict --skip-editable --progress-spinner off
elif curl -fsS -m 10 -o /dev/null -X POST -d '{}' https://api.osv.dev/v1/query 2>/dev/null; then
  echo "[kam] pip-audit (OSV): known vulnerabilities in the installed dependencies fail"
  "$VENV/bin/pip-audit" --strict --skip-editable --progress-spinner off -s osv
else
  cat <<'WARNING'

########################################################################################
# WARNING: dependency audit skipped.
# pip-audit could not be run: neither PyPI's per-release JSON API nor OSV answers from
# this machine. The installed dependencies were NOT checked for known vulnerabilities,
# and this run vouches for the code (bandit) only, not for the dependencies.
# Run `make audit` on a machine that reaches pypi.org or api.osv.dev.
########################################################################################
WARNING
fi
