# Two commands set up a fresh machine (see README "Quick start"):
#   make app    install into .venv (+ Debian Java), write, index, audit and score the demo data, serve the dashboard
#   make test   install into .venv (+ Debian chromium and Java), run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO   := data/demo
PORT   ?= 5006
# Debian packages (Chromium, Java) are installed as root, or through sudo otherwise.
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT    := $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq
# Keep every catalog and the registry of a source checkout inside it, so the demo never touches $HOME
# unless the user points these elsewhere.
export EO_EXPLORER_CACHE    ?= $(CURDIR)/data/cache
export EO_EXPLORER_REGISTRY ?= $(CURDIR)/data/registry.json

.PHONY: install app demo test test-fast lint typecheck browser-deps java-deps bench screenshot clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e '.[test]'
	touch $@

install: $(BIN)/.installed

# The demo is indexed, audited and its baseline predictions scored: every view has something to show.
$(DEMO)/.indexed: $(BIN)/.installed | java-deps
	$(BIN)/eo-explorer demo $(DEMO)
	$(BIN)/eo-explorer index --quiet $(DEMO)/chatearthnet-demo $(DEMO)/bigearthnet-demo
	$(BIN)/eo-explorer audit --quiet $(DEMO)/chatearthnet-demo $(DEMO)/bigearthnet-demo > /dev/null
	for name in chatearthnet-demo bigearthnet-demo; do \
	  $(BIN)/eo-explorer evaluate $(DEMO)/$$name --out $(DEMO)/evaluation/$$name \
	    $$(for f in $(DEMO)/predictions/$$name/*; do printf -- '--predictions %s ' "$$f"; done) > /dev/null || exit 1; \
	done
	touch $@

demo: $(DEMO)/.indexed

app: demo
	$(BIN)/panel serve app/ --port $(PORT)

# Debian's chromium drives the browser tests (Playwright never downloads a browser here); Debian's Java runs
# the COCO caption toolkit's PTB tokenizer and METEOR jars (eo-explorer evaluate).
browser-deps: java-deps
	@command -v chromium >/dev/null 2>&1 || { $(APT) chromium fonts-dejavu-core; }

# The caption metrics (explorer.evaluate) run the COCO toolkit's Java tokenizer and METEOR; the JDK's javac
# compiles the faster METEOR driver (evaluate/java/ExplorerMeteor.java) on first use (without it: the jar alone).
java-deps:
	@command -v javac >/dev/null 2>&1 || { $(APT) default-jdk-headless; }

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
