# Two commands: `make run` (serve the demo on SQLite) and `make test` (the whole suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
# The embedded default: SQLite file, local-memory cache, eager Celery. DEBUG only for `make run`.
RUN_ENV := DEBUG=1

.PHONY: help install run serve migrate demo test lint bench lighthouse drills prod-check editor backup restore boundaries countries clean messages

help:
	@echo "make run    - install, migrate, load demo data, serve http://$(HOST):$(PORT)"
	@echo "make test   - install and run the whole test suite"
	@echo "make lint   - ruff + mypy"
	@echo "make bench  - benchmarks (PostgreSQL + Redis)"
	@echo "make lighthouse - Lighthouse scores of the map page and lists as production serves them (npm, Chromium)"
	@echo "make editor - create a local editor account with a generated password"
	@echo "make drills - reliability drills (PostgreSQL + Redis)"
	@echo "make prod-check - run the Dockerfile and compose services without Docker, probe every page"
	@echo "make backup / make restore FILE=… - back up or restore the database"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (found %s); set PYTHON=..." % sys.version.split()[0])'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The compiled translations, rebuilt from their catalogues when these change (Babel: no gettext tools needed).
MO := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/*.po))
%.mo: %.po $(STAMP)
	$(BIN)/python scripts/compile_messages.py $<

install: $(STAMP) $(MO)

migrate: $(STAMP) $(MO)
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput

# The record the tracker ships: the seed, then the sourced records (each import is idempotent).
demo: migrate
	$(RUN_ENV) $(BIN)/python manage.py import_records fixtures/seed-records.csv
	$(RUN_ENV) $(BIN)/python manage.py import_records fixtures/sourced-records.csv
	$(RUN_ENV) $(BIN)/python manage.py refresh_derived
	$(RUN_ENV) $(BIN)/python manage.py flag_stale

run: demo
	@echo "Serving the dashboard at http://$(HOST):$(PORT)/"
	$(RUN_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

editor: migrate
	$(RUN_ENV) $(BIN)/python manage.py create_editor $(or $(USERNAME),editor) $(if $(ADMIN),--admin,)

test: $(STAMP) $(MO)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(RUN_ENV) $(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/run.py

lighthouse: $(STAMP)
	$(BIN)/python bench/lighthouse.py $(URLS)

drills: $(STAMP)
	$(BIN)/python drills/run.py

prod-check: $(STAMP)
	$(BIN)/python scripts/prod_check.py

backup: $(STAMP)
	$(RUN_ENV) $(BIN)/python scripts/backup.py backup $(FILE)

restore: $(STAMP)
	@test -n "$(FILE)" || (echo "usage: make restore FILE=var/backups/…" && exit 2)
	$(RUN_ENV) $(BIN)/python scripts/backup.py restore $(FILE)

boundaries: $(STAMP)
	$(BIN)/python scripts/build_boundaries.py

countries: $(STAMP)
	$(BIN)/python scripts/build_countries.py

# After changing marked strings: update the Spanish catalogue (needs gettext's xgettext), then translate the new
# entries in locale/es/LC_MESSAGES/django.po (README, "Translations").
messages: $(STAMP)
	$(RUN_ENV) $(BIN)/python scripts/update_messages.py

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .mypy_cache .ruff_cache
