# ecr-endpoint-guard: the two commands of the README are `make demo` and `make test`.
# Each one creates the virtual environment it needs on first use.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python for the project's virtual environment. Defaults to the first python3 on PATH;
# `make test PYTHON=python3.13` (or any interpreter >= 3.11) tests another one.
# Versions that pyenv holds but does not put on PATH are found through `pyenv which`.
PYTHON ?= python3
VENV ?= .venv
PY_BIN := $(shell command -v $(PYTHON) 2>/dev/null || PYENV_VERSION=$(patsubst python%,%,$(PYTHON)) pyenv which $(PYTHON) 2>/dev/null)
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: help venv test lint typecheck unit demo clean

help:
	@echo "make demo   - run the whole job against an embedded AWS emulator (no AWS account)"
	@echo "make test   - lint, type-check and run the test suite"
	@echo "make clean  - remove the virtual environments and caches"

$(STAMP): pyproject.toml
	@test -n "$(PY_BIN)" || { echo "no interpreter found for PYTHON=$(PYTHON)"; exit 2; }
	$(PY_BIN) -m venv $(VENV)
	$(VPY) -m pip install --quiet --upgrade pip
	$(VPY) -m pip install --quiet -e '.[dev]'
	@touch $@

venv: $(STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/ruff format --check src tests

typecheck: $(STAMP)
	$(VENV)/bin/mypy

unit: $(STAMP)
	$(VPY) -m pytest $(PYTEST_ARGS)

test: lint typecheck unit

demo: $(STAMP)
	$(VPY) -m remediation.demo

clean:
	rm -rf .venv .venv-* .pytest_cache .mypy_cache .ruff_cache .aws-sam build
