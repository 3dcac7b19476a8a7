# Two entry points for a fresh machine with only Python 3.11 and pip: `make demo`, `make test`.
# Each bootstraps uv into .tools/ and the locked environment into .venv/ on first use.
PY ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin

export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never
# DESIGN.md section 9: LightGBM with 2 OpenMP threads is 4-8x slower here under the default policy.
export OMP_WAIT_POLICY := PASSIVE

.PHONY: demo test lint typecheck unit browser bench-features env clean

demo: $(VENV)/.synced
	$(BIN)/restock demo

test: lint typecheck unit

lint: $(VENV)/.synced
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.synced
	$(BIN)/mypy

unit: $(VENV)/.synced browser
	$(BIN)/pytest -n 2 --durations=15

# The web UI's browser tests drive Debian's chromium through Playwright (never `playwright
# install`, which downloads a browser build); installed here when missing (root: apt-get).
browser:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "the web UI tests need Debian's chromium: sudo apt-get install -y chromium" >&2; \
	    exit 1; \
	  fi; }

bench-features: $(VENV)/.synced
	$(BIN)/python -m bench features

env: $(VENV)/.synced

$(UV):
	$(PY) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --extra dev --compile-bytecode --python $(PY)
	touch $@

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache
