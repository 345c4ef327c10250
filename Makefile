# Every target bootstraps .venv itself, so a fresh clone needs only Python 3.11+ and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Stamps re-run the install whenever the dependency list or the lock changes.
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP     := $(VENV)/.dev-installed

.PHONY: run test bench lint clean i18n-extract i18n-update i18n-compile i18n-check

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "nato-spending-bot needs Python 3.11 or newer (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(RUNTIME_STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e .
	touch $@

$(DEV_STAMP): $(RUNTIME_STAMP) pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $@

run: $(RUNTIME_STAMP)
	$(BIN)/natobot run

test: $(DEV_STAMP)
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || \
		echo "PostgreSQL tests will be skipped: install Debian's postgresql (apt-get install postgresql) to run them"
	$(BIN)/pytest

bench: $(DEV_STAMP)
	$(BIN)/python -m bench

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy bot cogs db tests bench docs
	$(BIN)/lint-imports

# The catalogs (docs/TRANSLATING.md): extract the messages into the template, merge it into
# every language's catalog, compile them as the bot does, check them.
LOCALES := bot/locales
POT     := $(LOCALES)/natobot.pot

i18n-extract: $(DEV_STAMP)
	$(BIN)/python -m bot.cli.catalogs extract

i18n-update: $(DEV_STAMP)
	$(BIN)/pybabel update --input-file $(POT) --output-dir $(LOCALES) --domain natobot --width 100

i18n-compile: $(DEV_STAMP)
	$(BIN)/python -m bot.cli.catalogs compile

i18n-check: $(DEV_STAMP)
	$(BIN)/pybabel update --check --input-file $(POT) --output-dir $(LOCALES) --domain natobot --width 100
	$(BIN)/python -m bot.cli.catalogs check

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
