# The two commands a newcomer needs: `make run` and `make test`. Everything else is optional.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed
# Apps that keep their own Vietnamese catalogue in <app>/locale.
APP_CATALOGS := qrsigns feedback announcements cameras payments reports

.PHONY: run test lint format check-migrations check-deploy messages worker beat bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

## Serve the portal at http://127.0.0.1:$(PORT) with the demo data (SQLite, no services needed).
run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo "Portal: http://127.0.0.1:$(PORT)/  (Ctrl+C to stop)"
	$(BIN)/uvicorn villageportal.asgi:application --host 127.0.0.1 --port $(PORT) --lifespan off

## The whole test suite: SQLite by default; PostgreSQL and Redis when DATABASE_URL and REDIS_URL are set.
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-migrations: $(STAMP)
	$(BIN)/python manage.py makemigrations --check --dry-run

## Rebuild the Vietnamese catalogue from the source (needs GNU gettext) and compile it.
messages: $(STAMP)
	$(BIN)/python manage.py makemessages --locale vi --ignore ".venv/*" --ignore "staticfiles/*" \
		$(foreach app,$(APP_CATALOGS),--ignore "$(app)/*") --no-obsolete
	for app in $(APP_CATALOGS); do (cd $$app && env -u DJANGO_SETTINGS_MODULE ../$(BIN)/django-admin makemessages --locale vi --no-obsolete); done
	$(BIN)/python manage.py compilemessages --ignore ".venv/*"

worker: $(STAMP)
	$(BIN)/celery -A villageportal worker --loglevel INFO

beat: $(STAMP)
	$(BIN)/celery -A villageportal beat --loglevel INFO

## Benchmarks on PostgreSQL (not part of the tests): run.py builds the province-sized
## database first, then each app's benchmark uses it. Results: docs/benchmarks*.
BENCHES := run registry_io qrsigns feedback announcements cameras payments reports
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	set -e; for b in $(BENCHES); do echo "== bench/$$b.py"; $(BIN)/python bench/$$b.py; done

clean:
	rm -rf $(VENV) staticfiles test-output .pytest_cache .ruff_cache
