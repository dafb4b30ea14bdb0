#!/usr/bin/env bash
# Security checks run by `make test`:
#  1. bandit over the product's code: any high-severity finding fails the run
#     (medium and low ones are listed; each is reviewed and marked where the code is safe).
#  2. pip-audit over the installed dependencies: any known vulnerability fails the run.
#     It needs its vulnerability database (PyPI's JSON API per release, or OSV); where
#     that cannot be reached the audit cannot be made, and the run says so plainly.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
APPS=(kam accounts plans opportunities dashboards search savedviews integrations messaging reminders audit scripts)

echo "[kam] bandit: high-severity findings fail"
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
  echo "[kam] pip-audit: NOT RUN - neither PyPI's per-release JSON API nor OSV answers from" \
       "this machine, so the dependencies could not be audited (run 'make audit' where they do)"
fi
