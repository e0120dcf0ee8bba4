# One entry point for everything: `make run`, `make test`, `make lint`, `make bench`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-strict test-all test-extensions lint docs bench bench-wire bench-large bench-instr bench-wire-instr bench-cold bench-import bench-all bench-readme bench-fanout bench-signals bench-compress compat fuzz soak metrics clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,lint]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/hypercorn --bind 127.0.0.1:5000 examples.hello.app:app

test: $(STAMP)
	$(BIN)/python -m pytest

# The suite once with asyncio's debug mode (on the test loops too) and every
# warning an error: unawaited coroutines, unclosed resources, slow callbacks.
test-strict: $(STAMP)
	PYTHONASYNCIODEBUG=1 $(BIN)/python -m pytest -W error --asyncio-debug

# The suite on every supported Python found on this machine (3.11-3.13), each in
# its own venv under .venvs/; a version that is not installed is skipped.
# pyenv's shims only run the selected version, so look in its versions too.
test-all: test
	@for v in 3.12 3.13; do \
		py=""; \
		if python$$v -c "" >/dev/null 2>&1; then py=python$$v; fi; \
		if [ -z "$$py" ] && command -v pyenv >/dev/null 2>&1; then \
			py=$$(ls -d "$$(pyenv root)"/versions/$$v*/bin/python$$v 2>/dev/null | tail -n 1); \
		fi; \
		if [ -n "$$py" ]; then \
			echo "== Python $$v ($$py)"; \
			[ -x .venvs/$$v/bin/python ] || $$py -m venv .venvs/$$v || exit 1; \
			.venvs/$$v/bin/python -m pip install --quiet -e ".[test]" || exit 1; \
			.venvs/$$v/bin/python -m pytest -p no:cacheprovider || exit 1; \
		else echo "== Python $$v not installed: skipped"; fi; \
	done

# The Quart extensions' own test suites (from their PyPI sources, pinned by
# sha256) against this package; sources and venv cached in
# ${XDG_CACHE_HOME:-~/.cache}/quart-extension-suites. Needs PyPI on first run;
# not part of `make test`. EXTENSION_ARGS=--reference runs them against real Quart 0.22.
test-extensions: $(STAMP)
	$(BIN)/python tools/extension_suites.py $(EXTENSION_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench examples tools docs fuzz
	$(BIN)/ruff format --check src tests bench examples tools docs fuzz
	$(BIN)/mypy

# The documentation site (docs/, Sphinx + MyST + furo): warnings fail the build;
# offline. Open docs/_build/html/index.html. The docs extra goes into the same
# .venv (its own stamp, so `make test` does not need it).
DOCS_STAMP := $(VENV)/.installed-docs

$(DOCS_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[docs]"
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	$(BIN)/sphinx-build -W --keep-going -E -q -b html docs docs/_build/html

# Benchmarks (see bench/README.md). `bench` is the in-process table; the others
# are the over-the-wire, large-body, callgrind, callgrind-over-the-wire and
# import-time modes; `bench-all` runs every mode once with shorter settings
# (about 18 minutes on 2 cores). BENCH_PYTHON=python3.13 takes every figure on
# that Python (the bench makes venvs of its own for it: bench/venvs.py).
BENCH_ARGS := $(if $(BENCH_PYTHON),--venv-python $(BENCH_PYTHON))

bench: $(STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Differential check (not in CI): the cases in tools/compat/cases.py run on this
# package and on real Quart 0.22 (its own venv, .venvs/compat-quart); prints every
# difference. Flags go in ARGS, e.g. `make compat ARGS="-k i09 --strict"`.
compat: $(STAMP)
	$(BIN)/python tools/compat/run.py $(ARGS)

# Fan-out of one message to 1,000 websocket subscribers over 2 workers and a
# throwaway redis-server (needs redis-server installed). Not run in CI.
bench-fanout: $(STAMP)
	$(BIN)/python bench/fanout.py

# What signals cost per request, with and without receivers (bench/signals.py):
# time, then instructions under callgrind (needs valgrind). Not a test.
bench-signals: $(STAMP)
	$(BIN)/python bench/signals.py
	$(BIN)/python bench/signals.py --callgrind

# What response compression costs: MB/s per algorithm and level, and a 100 KB
# JSON response compressed vs not (bench/compress.py). Not run in CI.
bench-compress: $(STAMP)
	$(BIN)/python bench/compress.py

bench-wire: $(STAMP)
	$(BIN)/python bench/run.py --wire $(BENCH_ARGS)

bench-large: $(STAMP)
	$(BIN)/python bench/run.py --large $(BENCH_ARGS)

bench-instr: $(STAMP)
	$(BIN)/python bench/run.py --callgrind $(BENCH_ARGS)

# Server instructions per request over the wire, under callgrind (bench/wire_instr.py).
bench-wire-instr: $(STAMP)
	$(BIN)/python bench/run.py --wire-instr $(BENCH_ARGS)

# Cache misses per step of a cold request, under callgrind (bench/cold_steps.py).
bench-cold: $(STAMP)
	$(BIN)/python bench/cold_steps.py

bench-import: $(STAMP)
	$(BIN)/python bench/run.py --import-time $(BENCH_ARGS)

bench-all: $(STAMP)
	$(BIN)/python bench/run.py --all --passes 2 --rounds 3 --duration 4 --warmup 1 --wire-rounds 2 $(BENCH_ARGS)

# README's speed block, from bench/results/results.json (run.py does this after
# every saved run; this is for a results file edited or merged by hand).
bench-readme:
	python3 bench/report.py --readme

# Coverage-guided fuzzing (atheris, in its own venv .venvs/fuzz; not in CI):
# every target in fuzz/ for FUZZ_SECONDS each (FUZZ_TARGETS="json range" for
# some). New inputs and crashes go to .fuzz-work/; exits non-zero on a crash.
FUZZ_SECONDS ?= 60
FUZZ := .venvs/fuzz/bin

$(FUZZ)/.installed: pyproject.toml
	$(PYTHON) -m venv .venvs/fuzz
	$(FUZZ)/python -m pip install --quiet --upgrade pip
	$(FUZZ)/python -m pip install --quiet atheris -e .
	touch $@

fuzz: $(FUZZ)/.installed
	FUZZ_SECONDS=$(FUZZ_SECONDS) $(FUZZ)/python fuzz/run.py

# Load and shutdown on real servers (Hypercorn, uvicorn), 127.0.0.1 only, bounded
# (about 10 minutes): 10,000 concurrent slow requests x3, 1,000 unread uploads,
# a 60 s mixed soak, SIGTERM under load. Prints a report. Not run in CI.
# Knobs in ARGS, e.g. `make soak ARGS="--slow 2000 --only slow,shutdown"`.
soak: $(STAMP)
	$(BIN)/python tools/soak/run.py $(ARGS)

# type: ignore and Any per 1,000 lines under src/quart, per module, and the
# modules over the size budget (tools/code_metrics.py; stdlib only).
metrics:
	$(PYTHON) tools/code_metrics.py

clean:
	rm -rf $(VENV) .venvs .fuzz-work docs/_build bench/.venv-ref bench/.venv-ours bench/.venv-ref-* bench/.venv-ours-* .pytest_cache .mypy_cache .ruff_cache
