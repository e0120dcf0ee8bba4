# One entry point for everything: `make run`, `make test`, `make lint`, `make bench`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-all test-extensions lint bench bench-fanout compat soak clean

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
	$(BIN)/ruff check src tests bench examples tools
	$(BIN)/ruff format --check src tests bench examples tools
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/run.py

# Differential check (not in CI): the cases in tools/compat/cases.py run on this
# package and on real Quart 0.22 (its own venv, .venvs/compat-quart); prints every
# difference. Flags go in ARGS, e.g. `make compat ARGS="-k i09 --strict"`.
compat: $(STAMP)
	$(BIN)/python tools/compat/run.py $(ARGS)

# Fan-out of one message to 1,000 websocket subscribers over 2 workers and a
# throwaway redis-server (needs redis-server installed). Not run in CI.
bench-fanout: $(STAMP)
	$(BIN)/python bench/fanout.py

# Load and shutdown on real servers (Hypercorn, uvicorn), 127.0.0.1 only, bounded
# (about 10 minutes): 10,000 concurrent slow requests x3, 1,000 unread uploads,
# a 60 s mixed soak, SIGTERM under load. Prints a report. Not run in CI.
# Knobs in ARGS, e.g. `make soak ARGS="--slow 2000 --only slow,shutdown"`.
soak: $(STAMP)
	$(BIN)/python tools/soak/run.py $(ARGS)

clean:
	rm -rf $(VENV) .venvs bench/.venv-ref .pytest_cache .mypy_cache .ruff_cache
