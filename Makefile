# The front door. `make run` serves the site; `make test` lints and tests it.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
PORT ?= 8000
export PORT

.PHONY: help run dev test lint format setup install install-dev lock hooks node-tools css audit screenshots superuser clean reset-local-data bench stack stack-prepare

## help: list these targets
help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Reinstall only when the lock files change. --require-hashes: every package,
# transitive ones included, must match the hash in the lock (see `make lock`).
$(VENV)/.installed: requirements.txt | $(VENV)/bin/python
	$(PIP) install --quiet --require-hashes -r requirements.txt
	touch $@

# requirements-dev.txt holds the runtime packages too, at the same versions.
$(VENV)/.installed-dev: requirements-dev.txt requirements.txt $(VENV)/.installed
	$(PIP) install --quiet --require-hashes -r requirements-dev.txt
	touch $@

## install: the runtime packages from requirements.txt, hashes checked
install: $(VENV)/.installed
## install-dev: the runtime, test, lint and lock tools from requirements-dev.txt, hashes checked
install-dev: $(VENV)/.installed-dev

# Index and find-links options are left out of the lock files: they belong to
# the machine that compiles, not to the project. Existing pins are kept; to move
# a transitive one: make lock LOCK_ARGS="--upgrade-package NAME".
PIP_COMPILE := CUSTOM_COMPILE_COMMAND="make lock" $(VENV)/bin/pip-compile --quiet \
	--generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links --no-emit-trusted-host $(LOCK_ARGS)

## lock: recompile requirements.txt and requirements-dev.txt (with hashes) from the .in files
lock: install-dev
	$(PIP_COMPILE) --output-file requirements.txt requirements.in
	$(PIP_COMPILE) --output-file requirements-dev.txt requirements-dev.in

## hooks: run ruff and djhtml before each git commit (pre-commit install)
hooks: install-dev
	$(VENV)/bin/pre-commit install

# Node tools for the browser tests and audits only (axe-core, vnu-jar,
# Lighthouse, PurgeCSS), pinned in package-lock.json. --ignore-scripts: vnu-jar's
# install script would download a Java runtime; the system Java is used instead.
node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

## node-tools: install the pinned npm tools when npm exists (the tests that need them skip otherwise)
node-tools:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory node_modules/.installed; \
	else echo "npm not found: axe, vnu and PurgeCSS tests will skip (install Node.js and npm to run them)"; fi

## setup: migrate, load the content fixtures (empty tables only), collect static files, clear cached pages
setup: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_initial_content
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py clear_public_pages

## run: set up, then serve the site with gunicorn on http://127.0.0.1:8000 (PORT=8080 make run: another port; DEBUG off)
# The notification sender runs beside gunicorn (no request ever emails); Ctrl+C
# stops both.
run: setup
	@echo "Serving on http://127.0.0.1:$(PORT)/  (Ctrl+C to stop)"
	@$(PY) manage.py send_pending_notifications --loop & sender=$$!; \
	trap 'kill $$sender 2>/dev/null; wait $$sender' EXIT INT TERM; \
	$(VENV)/bin/gunicorn -c clinic_site/gunicorn.conf.py clinic_site.wsgi

# The production topology on this machine (scripts/stack.py): its own
# PostgreSQL database and Redis db unless DATABASE_URL / CACHE_URL say
# otherwise; set up as `make run` is, then in the foreground.
stack: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/clinic_stack
stack: export CACHE_URL ?= redis://127.0.0.1:6379/7

## stack: nginx on https://127.0.0.1:8443 (HTTP/2; http://127.0.0.1:8080 redirects) before two gunicorn app hosts (127.0.0.2/.3:8001), PostgreSQL + Redis, the notification sender; Ctrl+C stops it all
stack: stack-prepare setup
	exec $(PY) -m scripts.stack

# nginx from apt when missing (or one line saying how); the database if missing.
stack-prepare: install
	$(PY) -m scripts.stack prepare

## dev: Django's development server with DEBUG on
dev: setup
	DJANGO_DEBUG=true $(PY) manage.py runserver 127.0.0.1:$(PORT)

## superuser: create a staff account for /admin/
superuser: setup
	$(PY) manage.py createsuperuser

## lint: ruff, template indentation, Django's checks, no missing migrations
lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djhtml --check templates
	DJANGO_SETTINGS_MODULE=clinic_site.settings_test $(PY) manage.py check --fail-level WARNING
	DJANGO_SETTINGS_MODULE=clinic_site.settings_test $(PY) manage.py makemigrations --check --dry-run

## css: rebuild static/css/bootstrap.purged.css (the Bootstrap rules the templates use)
css: node-tools
	node_modules/.bin/purgecss --config purgecss.config.cjs

## audit: Lighthouse (mobile + desktop) on gunicorn with production settings; fails below 100
audit: install node-tools
	$(PY) -m scripts.audit

## screenshots: PNGs of the main pages at 1280 px and 375 px into docs/screenshots/
screenshots: install-dev
	$(PY) -m scripts.screenshots

## test: lint, then the whole pytest suite (browser tests included; see tests/e2e)
test: lint node-tools
	$(VENV)/bin/pytest

## bench: load-test gunicorn (page vs static file), time pages at scale, and the stack (nginx) figures; prints figures
bench: install-dev
	$(PY) -m bench.wrk_bench
	$(PY) -m bench.scale
	$(PY) -m bench.stack_bench

## format: apply ruff and djhtml formatting
format: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/djhtml templates

## clean: delete what can be rebuilt (venv, node_modules, caches, collected static files); keeps the database, secret key and media
clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache .hypothesis test-results \
		var/static var/cache var/lighthouse
	find . -name __pycache__ -type d -not -path './.git/*' -prune -exec rm -rf {} +

# The embedded defaults' state in var/: kept apart from `clean` because none of
# it can be rebuilt (staff edits, enquiries, uploaded images, the key that
# signs sessions). DJANGO_VAR_DIR and DATABASE_URL elsewhere are not touched.
LOCAL_DATA := var/db.sqlite3 var/db.sqlite3-* var/secret_key var/media

## reset-local-data: DELETE var/db.sqlite3*, var/secret_key and var/media (lists them, asks; CONFIRM=yes skips the question)
reset-local-data:
	@echo "This deletes, for good:"
	@for f in $(LOCAL_DATA); do if [ -e "$$f" ]; then echo "  $$f"; fi; done
	@[ "$(CONFIRM)" = yes ] || { printf 'Type "yes" to delete them: '; read answer; \
		[ "$$answer" = yes ] || { echo "Nothing deleted."; exit 1; }; }
	rm -rf $(LOCAL_DATA)
