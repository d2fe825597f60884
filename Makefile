# Every command installs what it needs into .venv first.
#   make demo   the server, the example apps and some traffic; then where to look
#   make test   ruff, ruff format, mypy --strict and the whole test suite
#   make bench  the benchmarks, side by side with the peer libraries

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Every distribution of this repository: the core at the root, then each
# folder below server/ and integrations/ that has a pyproject.toml.
DISTS := . $(patsubst %/pyproject.toml,%,$(wildcard server/pyproject.toml integrations/*/pyproject.toml))
PYPROJECTS := $(addsuffix /pyproject.toml,$(DISTS))
PACKAGES := statsmix_middleware $(wildcard server/statsmix_server integrations/*/statsmix_*)
# Every distribution reads its version from this file; a new version must
# reach the editable installs' metadata.
VERSION_FILE := statsmix_middleware/_version.py

.PHONY: demo test check lint typecheck pytest bench browser clean

demo: $(STAMP)
	$(BIN)/python -m examples.demo $(DEMO_ARGS)

test: check pytest

check: lint typecheck

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy $(PACKAGES) examples

# .ci/pytest turns pytest's "no tests ran" (exit code 5) into a plain line
# and success; every other outcome keeps pytest's own exit code.
pytest: $(STAMP) browser
	@.ci/pytest $(BIN)/python $(PYTEST_ARGS)

bench: $(STAMP) $(VENV)/.bench-installed
	$(BIN)/python -m bench

$(VENV)/.bench-installed: bench/requirements.txt $(STAMP)
	$(BIN)/pip install -q -r bench/requirements.txt
	touch $@

# Browser tests drive Debian's Chromium; install it once when it is missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV) || { \
		apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv && \
		$(PYTHON) -m venv $(VENV); }

$(STAMP): $(VENV)/bin/python requirements-dev.txt $(PYPROJECTS) $(VERSION_FILE)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt $(addprefix -e ,$(DISTS))
	touch $@

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache test-artifacts .demo
