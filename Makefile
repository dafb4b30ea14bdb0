# KAM: `make run` serves the product, `make test` runs every test. Both set up
# everything themselves on a fresh machine (a project-local .venv; embedded
# PostgreSQL and Redis unless DATABASE_URL / REDIS_URL name running servers).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | md5sum | cut -c1-12)
PYTEST_ARGS ?=
# the suite runs in parallel workers, each with its own test database and Redis database
# (config/settings/test.py); PYTEST_WORKERS=0 runs it in one process
PYTEST_WORKERS ?= 2
SCALE ?= large

.PHONY: run test lint format messages makemessages browser vendor clean backup restore bench security audit

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

messages: $(STAMP)
	@command -v msgfmt >/dev/null 2>&1 || { [ "$$(id -u)" -eq 0 ] && apt-get update -qq && apt-get install -y -qq gettext >/dev/null; } || { echo "[kam] install gettext (msgfmt)"; exit 1; }
	$(PY) manage.py compilemessages --ignore .venv -v 0

makemessages: $(STAMP)
	$(PY) manage.py makemessages -l zh_Hans --ignore .venv --ignore node_modules --ignore .data --no-obsolete

browser:
	@scripts/ensure-browser.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# bandit (no high-severity finding) and pip-audit (no known vulnerability); see the script
security: $(STAMP)
	@scripts/security-checks.sh

audit: $(STAMP)
	$(VENV)/bin/pip-audit --strict --skip-editable --progress-spinner off

test: $(STAMP) messages browser lint security
	$(PY) -m config.embedded exec -- $(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# KAM at scale: its own database (seeded once, `SCALE=small` for a quick run), gunicorn with
# DEBUG off on loopback; writes bench/report.md and bench/results.json (under 15 minutes).
bench: $(STAMP) messages
	$(PY) -m config.embedded exec -- $(PY) scripts/bench.py --scale $(SCALE)

run: $(STAMP) messages
	$(PY) -m config.embedded run

# Database backup: a pg_dump (custom format) to backups/kam-<timestamp>.dump, and the
# attachments' files to backups/kam-<timestamp>-attachments.tar.gz; restore one
# with `make restore FILE=backups/kam-….dump` (replaces the database's contents). Both use
# DATABASE_URL, or the embedded PostgreSQL when it is not set.
backup: $(STAMP)
	$(PY) -m config.embedded exec -- $(PY) manage.py db_backup
	$(PY) -m config.embedded exec -- $(PY) manage.py attachments_backup

restore: $(STAMP)
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/kam-<timestamp>.dump"; exit 2; }
	$(PY) -m config.embedded exec -- $(PY) manage.py db_restore "$(FILE)"
	@echo "attachments: manage.py attachments_restore backups/kam-<timestamp>-attachments.tar.gz"

# Refresh the committed copies of the front-end libraries pinned in package.json.
vendor:
	npm install --no-audit --no-fund
	mkdir -p static/vendor/bootstrap static/vendor/htmx static/vendor/bootstrap-icons/fonts
	cp node_modules/bootstrap/dist/css/bootstrap.min.css* node_modules/bootstrap/dist/js/bootstrap.bundle.min.js* node_modules/bootstrap/LICENSE static/vendor/bootstrap/
	cp node_modules/htmx.org/dist/htmx.min.js node_modules/htmx.org/LICENSE static/vendor/htmx/
	cp node_modules/bootstrap-icons/font/bootstrap-icons.min.css node_modules/bootstrap-icons/LICENSE static/vendor/bootstrap-icons/
	cp node_modules/bootstrap-icons/font/fonts/bootstrap-icons.woff* static/vendor/bootstrap-icons/fonts/
	mkdir -p static/vendor/sortablejs
	cp node_modules/sortablejs/Sortable.min.js node_modules/sortablejs/LICENSE static/vendor/sortablejs/
	mkdir -p static/vendor/echarts
	cp node_modules/echarts/dist/echarts.min.js node_modules/echarts/LICENSE node_modules/echarts/NOTICE static/vendor/echarts/

clean:
	rm -rf $(VENV) .data test-artifacts
