# The two commands a newcomer needs: `make run` and `make test`. Everything else is optional.
#
# Installs come from uv.lock (exact versions and hashes of every package, for every platform):
# uv is installed first from requirements-uv.txt (hashed), then `uv sync --locked` makes .venv
# hold exactly the lock. `make upgrade` is the one deliberate way the lock changes.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
TOOLS := .tools
UV := $(TOOLS)/bin/uv
PORT ?= 8000
STAMP := $(VENV)/.installed
# Apps that keep their own Vietnamese catalogue in <app>/locale.
APP_CATALOGS := qrsigns feedback announcements cameras payments reports

# uv uses the interpreter above and never downloads one; the project environment is .venv.
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON := $(PYTHON)
# Links printed by the demo, in e-mails and on QR signs point at the port the portal serves.
PORTAL_BASE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: run test lint format check-migrations check-deploy check-lock lock upgrade audit \
	messages worker beat bench clean

$(UV): requirements-uv.txt
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes \
		--no-deps -r requirements-uv.txt
	touch $(UV)

$(STAMP): uv.lock pyproject.toml $(UV)
	$(UV) sync --locked --extra dev
	touch $(STAMP)

## Serve the portal at http://127.0.0.1:$(PORT) with the demo data (SQLite, no services needed).
run: $(STAMP)
	@$(BIN)/python manage.py migrate --noinput -v 0
	@PORTAL_BASE_URL=$(PORTAL_BASE_URL) $(BIN)/python manage.py seed_demo
	@PORTAL_BASE_URL=$(PORTAL_BASE_URL) $(BIN)/uvicorn villageportal.asgi:application \
		--host 127.0.0.1 --port $(PORT) --lifespan off

## The whole test suite: SQLite by default; PostgreSQL and Redis when DATABASE_URL and REDIS_URL are set.
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Fail when uv.lock no longer matches pyproject.toml (CI runs this first).
check-lock: $(UV)
	$(UV) lock --check

## After editing the dependencies in pyproject.toml: resolve the lock again (changes only what must).
lock: $(UV)
	$(UV) lock

## Re-resolve every package to the newest version pyproject.toml allows, check the result for
## known vulnerabilities and run the whole suite. Commit uv.lock only when all of it passes.
upgrade: $(UV)
	$(UV) lock --upgrade
	$(UV) sync --locked --extra dev
	touch $(STAMP)
	$(MAKE) audit
	$(MAKE) test

## Known vulnerabilities in every locked package (all extras), from PyPI's advisory data.
audit: $(STAMP)
	$(UV) export --locked --all-extras --format requirements-txt --no-emit-project \
		--output-file $(VENV)/audit-requirements.txt --quiet
	$(BIN)/pip-audit --strict --disable-pip --require-hashes --progress-spinner off \
		-r $(VENV)/audit-requirements.txt

## Style, the architecture's import contracts ([tool.importlinter]) and the type check ([tool.mypy]).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-migrations: $(STAMP)
	$(BIN)/python manage.py makemigrations --check --dry-run

## Rebuild the Vietnamese catalogue from the source (needs GNU gettext) and compile it.
messages: $(STAMP)
	$(BIN)/python manage.py makemessages --locale vi --ignore ".venv/*" --ignore ".tools/*" \
		--ignore "staticfiles/*" $(foreach app,$(APP_CATALOGS),--ignore "$(app)/*") --no-obsolete
	for app in $(APP_CATALOGS); do (cd $$app && env -u DJANGO_SETTINGS_MODULE ../$(BIN)/django-admin makemessages --locale vi --no-obsolete); done
	$(BIN)/python manage.py compilemessages --ignore ".venv/*" --ignore ".tools/*"

worker: $(STAMP)
	$(BIN)/celery -A villageportal worker --loglevel INFO

beat: $(STAMP)
	$(BIN)/celery -A villageportal beat --loglevel INFO

## Benchmarks on PostgreSQL (not part of the tests): bench.run builds the province-sized
## database first, then each app's benchmark uses it. Raw results go to bench/results/
## (git-ignored); the figures kept are in docs/benchmarks*.
BENCHES := run registry_io qrsigns feedback announcements cameras payments reports
bench: $(STAMP)
	$(UV) sync --locked --extra dev --extra bench
	set -e; for b in $(BENCHES); do echo "== bench.$$b"; $(BIN)/python -m bench.$$b; done

clean:
	rm -rf $(VENV) $(TOOLS) staticfiles test-output .pytest_cache .ruff_cache
