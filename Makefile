# PAC — the two commands: `make run` (set up and serve the demo) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
ADDRESS ?= 127.0.0.1:8000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export PAC_LANG ?= fr

.PHONY: run test lint bench api-schema cli-doc messages messages-update chromium pdf-libs pg-client test-sqlite test-postgres test-e2e clean

$(BIN)/.runtime: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

$(BIN)/.dev: $(BIN)/.runtime requirements-dev.lock
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	touch $@

## Compile the French catalogue with Babel (pure Python: no system gettext needed).
messages: $(BIN)/.runtime
	$(BIN)/pybabel compile --domain django --directory src/pac/locale

## Re-extract the strings to translate (needs GNU gettext: apt-get install gettext).
messages-update: $(BIN)/.runtime
	cd src/pac && DJANGO_SETTINGS_MODULE=pac.web.settings ../../$(BIN)/django-admin makemessages \
	  --locale fr --no-location --no-obsolete --ignore 'web/static/*'

run: $(BIN)/.runtime messages pdf-libs
	$(BIN)/pac demo --address $(ADDRESS)

## Debian's Chromium for the browser tests (Playwright drives it; it downloads no browser).
chromium:
	@[ -x /usr/bin/chromium ] || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }

## Debian's Pango, HarfBuzz and a font for WeasyPrint (the review pack's PDF; pip cannot install them).
PDF_LIBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
pdf-libs:
	@dpkg -s $(PDF_LIBS) >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(PDF_LIBS); }

## PostgreSQL's pg_dump and pg_restore for `pac backup` / `pac restore` on PostgreSQL (and their tests).
pg-client:
	@command -v pg_dump >/dev/null || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql-client; }

lint: $(BIN)/.dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy src/pac/engine src/pac/io
	$(BIN)/lint-imports --no-cache

test-sqlite: $(BIN)/.dev messages pdf-libs
	PAC_DATA_DIR=$$(mktemp -d) $(BIN)/pytest -q -m "not e2e" -p no:cacheprovider -n 2

test-postgres: $(BIN)/.dev messages pdf-libs pg-client
	@if $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" 2>/dev/null; then \
	  echo "PostgreSQL answers on 127.0.0.1:5432: running the web tests on it"; \
	  PAC_DATA_DIR=$$(mktemp -d) DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -m "not e2e" -p no:cacheprovider -n 2 tests/web && \
	  PAC_DATA_DIR=$$(mktemp -d) DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -p no:cacheprovider \
	    tests/cli/test_import_faults.py tests/cli/test_sequence_send_faults.py -k postgresql; \
	else echo "No PostgreSQL on 127.0.0.1:5432: PostgreSQL tests not run"; fi

test-e2e: $(BIN)/.dev messages chromium
	PAC_DATA_DIR=$$(mktemp -d) DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest -q -m e2e -p no:cacheprovider tests/e2e

test: lint test-sqlite test-postgres test-e2e

## Write the REST API's OpenAPI schema from the code (docs/api/openapi.json; a test compares the two).
api-schema: $(BIN)/.runtime
	PAC_DATA_DIR=$$(mktemp -d) $(BIN)/python -m pac.web.api.openapi_file docs/api/openapi.json

cli-doc: $(BIN)/.runtime
	PAC_LANG=en $(BIN)/python -m pac.cli.reference > docs/cli.md

bench: $(BIN)/.dev
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
