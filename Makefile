# One command each: `make run` starts the system, `make test` proves it.
# Every target creates and uses its own virtual environment in .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run demo lint test bench clean browser

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/pizzeria up

demo: install
	$(BIN)/pizzeria demo --orders 20

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Debian's Chromium for the browser tests (tests/integration/test_pages_in_browser.py).
browser:
	bash .ci/install-chromium.sh

test: lint browser
	$(BIN)/pytest

bench: install
	$(BIN)/pizzeria bench

clean:
	rm -rf $(VENV) .data .mypy_cache .ruff_cache .pytest_cache
