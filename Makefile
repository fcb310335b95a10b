# Hemma – the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format install messages clean

$(BIN)/.installed: pyproject.toml requirements.lock requirements-dev.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Hemma needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --constraint requirements.lock --constraint requirements-dev.lock --editable '.[dev]'
	@touch $@

install: $(BIN)/.installed

run: $(BIN)/.installed
	@mkdir -p var
	$(BIN)/hemma migrate --noinput
	$(BIN)/hemma load_demo
	@echo ""
	@echo "Hemma: http://$(HOST):$(PORT)/  (stop with Ctrl+C)"
	@echo "The monitoring worker (alert escalation, overdue measurements) runs alongside."
	@echo ""
	@$(BIN)/hemma monitor & WORKER=$$!; trap "kill $$WORKER 2>/dev/null" EXIT INT TERM; \
	$(BIN)/hemma runserver $(HOST):$(PORT)

test: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/hemma makemigrations --check --dry-run
	@# The independent FHIR validator's npm packages (Medplum): installed when missing or
	@# older than their package-lock.json (npm writes node_modules/.package-lock.json last).
	@if ! command -v npm >/dev/null 2>&1; then \
		echo "NOTICE: npm not found: the independent FHIR validation will be skipped (fails with CI=true)"; \
	elif [ ! -f tests/fhirapi/validator/node_modules/.package-lock.json ] || \
		[ tests/fhirapi/validator/package-lock.json -nt tests/fhirapi/validator/node_modules/.package-lock.json ]; then \
		echo "npm ci --prefix tests/fhirapi/validator"; \
		npm ci --prefix tests/fhirapi/validator --no-audit --no-fund --loglevel=error; \
	fi
	@# The OpenID Connect test provider (panva's oidc-provider) for the SITHS sign-in tests.
	@if ! command -v npm >/dev/null 2>&1; then \
		echo "NOTICE: npm not found: the OIDC sign-in tests will be skipped (fails with CI=true)"; \
	elif [ ! -f tests/accounts/oidc_provider/node_modules/.package-lock.json ] || \
		[ tests/accounts/oidc_provider/package-lock.json -nt tests/accounts/oidc_provider/node_modules/.package-lock.json ]; then \
		echo "npm ci --prefix tests/accounts/oidc_provider"; \
		npm ci --prefix tests/accounts/oidc_provider --no-audit --no-fund --loglevel=error; \
	fi
	@# axe-core for the accessibility crawl (tests/browser/test_accessibility_crawl.py).
	@if ! command -v npm >/dev/null 2>&1; then \
		echo "NOTICE: npm not found: the accessibility crawl will be skipped (fails with CI=true)"; \
	elif [ ! -f tests/browser/axe/node_modules/.package-lock.json ] || \
		[ tests/browser/axe/package-lock.json -nt tests/browser/axe/node_modules/.package-lock.json ]; then \
		echo "npm ci --prefix tests/browser/axe"; \
		npm ci --prefix tests/browser/axe --no-audit --no-fund --loglevel=error; \
	fi
	$(BIN)/python scripts/run_tests.py

format: $(BIN)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Regenerate the English catalogue after changing UI strings (needs gettext's msgfmt).
messages: $(BIN)/.installed
	cd hemma && ../$(BIN)/hemma makemessages -l en --no-obsolete --no-wrap --no-location -i "static/*"
	cd hemma && ../$(BIN)/hemma compilemessages -l en

clean:
	rm -rf $(VENV) var/static .pytest_cache
