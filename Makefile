# The two commands a newcomer needs: `make run` and `make test`.
VENV   := .venv
BIN    := $(VENV)/bin
PYTHON := $(BIN)/python
PIP    := $(PYTHON) -m pip --disable-pip-version-check --quiet

.PHONY: run test test-browser lint clean messages compile-messages pdf-libraries schema

# WeasyPrint (the service review's PDF) needs Pango, HarfBuzz and a font from the system: stop early, naming
# the Debian packages, when they are missing (`.ci/run` installs them; see README: PDF).
pdf-libraries:
	@scripts/check-pdf-libraries

$(PYTHON):
	@interpreter=$$(scripts/find-python) || exit 1; \
	echo "Creating $(VENV) with $$interpreter"; \
	"$$interpreter" -m venv $(VENV)

$(VENV)/.installed: $(PYTHON) pyproject.toml
	$(PIP) install -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) install -e '.[dev]'
	@touch $@

## make run: install, migrate, load the demo data once, serve http://127.0.0.1:8000 with the worker
run: pdf-libraries $(VENV)/.installed
	$(BIN)/picocore demo

## make test: lint, types, import layers, system checks, migrations check and the test suite
test: pdf-libraries $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	PICOCORE_DEMO=1 $(BIN)/mypy
	$(BIN)/lint-imports
	PICOCORE_DEMO=1 $(PYTHON) manage.py check --fail-level WARNING
	PICOCORE_DEMO=1 $(PYTHON) manage.py makemigrations --check --dry-run
	$(BIN)/pytest -q -n auto --dist loadfile -m "not browser and not transactional"
	$(BIN)/pytest -q -m transactional

# axe-core for the accessibility scans, exactly as package-lock.json pins it (npm ci), once per lock file.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

## make test-browser: the journeys in real Chromium (Debian's /usr/bin/chromium), with the axe-core scans
test-browser: $(VENV)/.installed-dev node_modules/.installed
	$(BIN)/pytest -q -m browser tests/browser

## make schema: regenerate the committed OpenAPI document (picocore/api/openapi.yaml) after changing the API;
## a test fails while it differs from what the code describes
schema: $(VENV)/.installed-dev
	PICOCORE_DEMO=1 LANGUAGE=en $(PYTHON) manage.py spectacular --file picocore/api/openapi.yaml --validate --fail-on-warn

## make messages: extract every marked string into picocore/locale/da/LC_MESSAGES/django.po (GNU gettext);
## then translate each empty or `#, fuzzy` entry (drop the fuzzy line) and run `make compile-messages`
messages: $(VENV)/.installed-dev
	PICOCORE_DEMO=1 $(PYTHON) manage.py makemessages -l da

## make compile-messages: compile the .po into the .mo that is committed beside it (so `make run` needs no gettext)
compile-messages: $(VENV)/.installed-dev
	PICOCORE_DEMO=1 $(PYTHON) manage.py compilemessages -l da

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var node_modules
