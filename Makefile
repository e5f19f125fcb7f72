# Two commands: `make run` serves the demo, `make test` runs lint and every test.
# Both set everything up first and are safe to run again.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
VENDOR := portal/static/vendor
PYTEST_ARGS ?= -n auto

.PHONY: run test lint format setup assets translations messages browser-deps migrate demo bench clean

# Development: e-mail and text messages show at once on the development mailbox,
# http://127.0.0.1:5000/ontwikkeling/postbus (portal/outbox/dev_mailbox.py; never in production).
run: export DEV_MAILBOX := 1
run: setup migrate demo
	$(FLASK) run --host 127.0.0.1 --port 5000

test: setup browser-deps lint
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

setup: $(VENV)/.installed assets translations

$(VENV)/.installed: setup.cfg requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

assets: node_modules/.installed
	mkdir -p $(VENDOR)/utrecht $(VENDOR)/htmx $(VENDOR)/axe
	cp node_modules/@utrecht/component-library-css/dist/index.css $(VENDOR)/utrecht/component-library.css
	cp node_modules/@utrecht/design-tokens/dist/index.css $(VENDOR)/utrecht/design-tokens.css
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/htmx.min.js
	cp node_modules/axe-core/axe.min.js $(VENDOR)/axe/axe.min.js

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy --statistics -d portal/translations

# Re-extract the Dutch source strings and update every catalogue (then translate the .po files).
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -o portal/translations/messages.pot .
	$(BIN)/pybabel update -N --ignore-obsolete -i portal/translations/messages.pot -d portal/translations

# Chromium for the browser tests: Debian's package, installed when missing (needs root).
browser-deps:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium fonts-dejavu-core; \
	  else echo "Install Debian's chromium package (sudo apt-get install chromium)"; exit 1; fi; }

migrate: setup
	$(FLASK) db upgrade

demo: migrate
	$(FLASK) demo

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules $(VENDOR) .pytest_cache .ruff_cache
