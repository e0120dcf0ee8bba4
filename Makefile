# One entry point for everything: `make run`, `make test`, `make lint`, `make bench`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-all lint bench clean

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
test-all: test
	@for v in 3.12 3.13; do \
		if command -v python$$v >/dev/null 2>&1 && python$$v -c "" 2>/dev/null; then \
			echo "== Python $$v"; \
			[ -x .venvs/$$v/bin/python ] || python$$v -m venv .venvs/$$v || exit 1; \
			.venvs/$$v/bin/python -m pip install --quiet -e ".[test]" || exit 1; \
			.venvs/$$v/bin/python -m pytest -p no:cacheprovider || exit 1; \
		else echo "== Python $$v not installed: skipped"; fi; \
	done

lint: $(STAMP)
	$(BIN)/ruff check src tests bench examples
	$(BIN)/ruff format --check src tests bench examples
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .venvs bench/.venv-ref .pytest_cache .mypy_cache .ruff_cache
