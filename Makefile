# Two commands on a fresh machine: `make run` and `make test` (see README).
VENV ?= .venv
PY := $(VENV)/bin/python
TMRAG := $(VENV)/bin/tmrag
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: setup lock index serve run test test-fast lint bench check eval clean

setup:
	@bash scripts/setup.sh

# Re-pin requirements.lock from pyproject.toml (+ the dev extra); setup refuses a lock older than pyproject.toml.
lock:
	@bash scripts/lock.sh

# Incremental: a no-change rebuild only verifies hashes; a stale index is rebuilt.
index: setup
	@$(TMRAG) index

serve: setup
	@$(TMRAG) serve

run: setup
	@$(TMRAG) corpus check
	@$(TMRAG) index
	@echo "tmrag: open http://127.0.0.1:8000/"
	@$(TMRAG) serve --host 127.0.0.1 --port 8000

check: setup
	@$(TMRAG) corpus check

lint: setup
	@$(VENV)/bin/ruff check src tests bench scripts

# pytest keeps its assertion-rewritten modules as .pyc files (gitignored); under PYTHONDONTWRITEBYTECODE
# every run, and every xdist worker, rewrites ~330 modules again: ~7 s a process.
test test-fast: export PYTHONDONTWRITEBYTECODE :=

# One pytest-xdist worker per core; workers take turns building the real index (tests/conftest.py).
test: setup
	@$(VENV)/bin/ruff check src tests bench scripts
	@$(PY) -m pytest -q -n auto

test-fast: setup
	@$(PY) -m pytest -q -n auto -m "not slow"

eval: setup
	@$(TMRAG) eval --split test

bench: setup
	@$(PY) bench/bench_index.py
	@$(PY) bench/bench_query.py --http

clean:
	rm -rf indexes .pytest_cache .ruff_cache
