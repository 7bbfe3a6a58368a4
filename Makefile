# Sealhub. `make run` and `make test` work on a machine with only Python 3.11+.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: install run test lint format check messages bench client

$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Sealhub needs Python 3.11 or newer (found " + sys.version.split()[0] + ")")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

install: $(VENV)/.installed

run: install
	$(PY) -m config.launcher --port $(PORT)

# lint-imports checks the import contracts in pyproject.toml (docs/architecture.md).
lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

check: install
	$(PY) manage.py makemigrations --check --dry-run --settings=config.settings_test

# The migrations check runs inside pytest (tests/config/test_settings.py), so embedded
# services a test run starts are also stopped by it.
test: install lint
	$(PY) -m pytest $(PYTEST_ARGS)

# Regenerate translations after changing user-visible strings (needs GNU gettext);
# the compiled .mo files are committed so a fresh machine needs no gettext.
messages: install
	$(PY) manage.py makemessages --locale zh_Hans --ignore ".venv/*" --ignore "var/*" --ignore "tests/*" --no-obsolete
	$(PY) manage.py compilemessages --locale zh_Hans --ignore ".venv/*"

# Regenerate the typed Python client (clients/python/) from the company host's OpenAPI schema;
# tests/api/test_python_client.py fails while the committed client differs from it.
client: install
	$(PY) clients/python/generate.py

bench: install
	$(PY) bench/run_all.py
