# Two commands set up a fresh machine (see README "Quick start"):
#   make app    install into .venv, write + index the demo data, serve the dashboard
#   make test   install into .venv (+ Debian's chromium for browser tests), run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO   := data/demo
PORT   ?= 5006
# Keep every catalog and the registry of a source checkout inside it, so the demo never touches $HOME
# unless the user points these elsewhere.
export EO_EXPLORER_CACHE    ?= $(CURDIR)/data/cache
export EO_EXPLORER_REGISTRY ?= $(CURDIR)/data/registry.json

.PHONY: install app demo test test-fast lint typecheck browser-deps bench screenshot clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e '.[test]'
	touch $@

install: $(BIN)/.installed

$(DEMO)/.indexed: $(BIN)/.installed
	$(BIN)/eo-explorer demo $(DEMO)
	$(BIN)/eo-explorer index --quiet $(DEMO)/chatearthnet-demo $(DEMO)/bigearthnet-demo
	touch $@

demo: $(DEMO)/.indexed

app: demo
	$(BIN)/panel serve app/ --port $(PORT)

# Debian's chromium drives the browser tests (Playwright never downloads a browser here); Debian's Java runs
# the COCO caption toolkit's PTB tokenizer and METEOR jars (eo-explorer evaluate).
browser-deps:
	@{ command -v chromium && command -v java; } >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core default-jre-headless; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core default-jre-headless; fi; }

lint: install
	$(BIN)/ruff check src tests app bench scripts
	$(BIN)/python scripts/check_notebooks.py notebooks

typecheck: install
	$(BIN)/mypy src/explorer

test: install browser-deps lint typecheck
	$(BIN)/python -m pytest

test-fast: install
	$(BIN)/python -m pytest -m "not browser and not slow"

bench: install
	$(BIN)/python bench/run_all.py

screenshot: demo browser-deps
	$(BIN)/python scripts/screenshot.py docs/dashboard.png

clean:
	rm -rf $(VENV) data test-output .pytest_cache .mypy_cache .ruff_cache
