# Two commands for a new user: `make build` and `make test`.
# Both create .venv on first use (Python 3.11+ required).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: build test lint serve bench clean

build: $(VENV)/.installed
	$(BIN)/statusgen build

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -q

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check statusgen tests
	$(BIN)/mypy

# Live preview of the sample site on http://127.0.0.1:8000/: rebuilds and reloads on every change.
serve: $(VENV)/.installed
	$(BIN)/statusgen serve

# Full builds of generated 1,000- and 10,000-incident sites against the floor (BENCH_LARGE=1 adds 100,000).
# statusgen is compiled first, as an installed copy is (pip compiles what it installs; an editable install
# compiles on first import only where Python may write bytecode, and some machines set PYTHONDONTWRITEBYTECODE).
bench: $(VENV)/.installed
	$(BIN)/python -m compileall -q statusgen bench
	$(BIN)/python -m bench.run

$(VENV)/.python-ok:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "statusgen needs Python 3.11 or newer; set PYTHON=python3.11 (or newer)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	touch $@

$(VENV)/.installed: $(VENV)/.python-ok pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m compileall -q statusgen
	touch $@

$(VENV)/.installed-dev: $(VENV)/.python-ok pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q statusgen
	touch $@ $(VENV)/.installed

clean:
	rm -rf output output-internal .pytest_cache .mypy_cache .ruff_cache build dist
