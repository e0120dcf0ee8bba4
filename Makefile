# One entry point for everything: `make run`, `make test`, `make lint`, `make bench`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-all test-extensions lint bench bench-wire bench-large bench-instr bench-import bench-all clean

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

# The Quart extensions' own test suites (from their PyPI sources) against this
# package, in .venvs/extensions. Needs PyPI; not part of `make test`.
test-extensions: $(STAMP)
	$(BIN)/python tools/extension_suites.py

lint: $(STAMP)
	$(BIN)/ruff check src tests bench examples tools
	$(BIN)/ruff format --check src tests bench examples tools
	$(BIN)/mypy

# Benchmarks (see bench/README.md). `bench` is the in-process table; the others
# are the over-the-wire, large-body, callgrind and import-time modes; `bench-all`
# runs every mode once with shorter settings (about 15 minutes on 2 cores).
bench: $(STAMP)
	$(BIN)/python bench/run.py

bench-wire: $(STAMP)
	$(BIN)/python bench/run.py --wire

bench-large: $(STAMP)
	$(BIN)/python bench/run.py --large

bench-instr: $(STAMP)
	$(BIN)/python bench/run.py --callgrind

bench-import: $(STAMP)
	$(BIN)/python bench/run.py --import-time

bench-all: $(STAMP)
	$(BIN)/python bench/run.py --all --passes 2 --rounds 3 --duration 4 --warmup 1

clean:
	rm -rf $(VENV) .venvs bench/.venv-ref bench/.venv-ours .pytest_cache .mypy_cache .ruff_cache
