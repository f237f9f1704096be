# ecr-endpoint-guard: the two commands of the README are `make demo` and `make test`.
# Each one creates the virtual environment it needs on first use.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python for the project's virtual environment. Defaults to the first python3 on PATH;
# `make test PYTHON=python3.13` (or any interpreter >= 3.11) tests another one.
# Versions that pyenv holds but does not put on PATH are found through `pyenv which`.
PYTHON ?= python3
VENV ?= .venv
# (A pyenv shim is on PATH for every installed version but runs only the selected ones, so the
# command found on PATH must also run.)
find_python = $(shell p=$$(command -v $(1) 2>/dev/null) && "$$p" -c '' 2>/dev/null && echo "$$p" || PYENV_VERSION=$(patsubst python%,%,$(1)) pyenv which $(1) 2>/dev/null)
PY_BIN := $(call find_python,$(PYTHON))
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Template tools: SAM CLI (sam validate --lint, sam build) and checkov, for tests/unit/templates/test_template.py
# and tests/slow/test_build.py. They pin their own boto3/botocore/cfn-lint versions, so they get a
# virtual environment of their own, built once and shared by every `make test` (any PYTHON).
# Their versions are pinned; changing one rebuilds the environment.
TOOLS_PYTHON ?= python3
TOOLS_VENV ?= .venv-tools
SAM_CLI_VERSION ?= 1.170.0
CHECKOV_VERSION ?= 3.2.459
TOOLS_PY_BIN := $(call find_python,$(TOOLS_PYTHON))
TOOLS_STAMP := $(TOOLS_VENV)/.installed-sam-$(SAM_CLI_VERSION)-checkov-$(CHECKOV_VERSION)

.PHONY: help venv tools browser test check lint typecheck layers deadcode unit suite audit demo bench build fuzz clean

help:
	@echo "make demo   - run the whole job against an embedded AWS emulator (no AWS account)"
	@echo "make test   - lint, types, layers, dependency audit, then the whole suite in parallel"
	@echo "make check  - lint, types, layers, dead code and the unit tests: feedback in seconds"
	@echo "make unit   - the pure tests only (tests/unit: no emulator, network or subprocess)"
	@echo "make tools  - build the SAM CLI + checkov environment the template tests use"
	@echo "make browser - install Debian's chromium for the HTML report's browser test (root)"
	@echo "make build  - sam build, then byte-compile the code for the python3.13 runtime"
	@echo "make bench  - API calls, sweep scale and cold start, against moto (docs/performance.md)"
	@echo "make fuzz   - the long fuzz: 10,000 examples per entry point (docs/safety.md; not in test)"
	@echo "make clean  - remove the virtual environments and caches"

$(STAMP): pyproject.toml constraints.txt
	@test -n "$(PY_BIN)" || { echo "no interpreter found for PYTHON=$(PYTHON)"; exit 2; }
	$(PY_BIN) -m venv $(VENV)
	$(VPY) -m pip install --quiet --upgrade pip
	$(VPY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

venv: $(STAMP)

$(TOOLS_STAMP):
	@test -n "$(TOOLS_PY_BIN)" || { echo "no interpreter found for TOOLS_PYTHON=$(TOOLS_PYTHON)"; exit 2; }
	rm -rf $(TOOLS_VENV)
	$(TOOLS_PY_BIN) -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(TOOLS_VENV)/bin/python -m pip install --quiet 'aws-sam-cli==$(SAM_CLI_VERSION)' 'checkov==$(CHECKOV_VERSION)'
	@touch $@

# checkov's JSONPath parser builds its parse tables on every call unless they are written once:
# .ci/jsonpath_tables.py writes them (a CloudFormation scan 14 s to 4 s, the same findings).
TOOLS_TABLES := $(TOOLS_VENV)/.jsonpath-tables
$(TOOLS_TABLES): $(TOOLS_STAMP) .ci/jsonpath_tables.py
	$(TOOLS_VENV)/bin/python .ci/jsonpath_tables.py
	@touch $@

tools: $(TOOLS_STAMP) $(TOOLS_TABLES)

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

typecheck: $(STAMP)
	$(VENV)/bin/mypy

# Imports run one way (the contracts in pyproject.toml, [tool.importlinter]).
layers: $(STAMP)
	$(VENV)/bin/lint-imports --no-cache

# The pure tests (tests/unit, mirroring src/), property tests with a quarter of their
# examples: seconds. On PYTEST_WORKERS processes, as the suite (each collects the unit tests
# first: two workers take about four fifths of one process's time here, not half).
UNIT_TESTS := tests/unit
unit: $(STAMP)
	$(VPY) -m pytest $(UNIT_TESTS) -n $(PYTEST_WORKERS) -m "not slow" --hypothesis-profile=fast -q $(PYTEST_ARGS)

# Dead code in src/ (vulture; the tests and bench count as users). Names only a registry or a
# framework uses are in vulture_allowlist.py, each with its reason.
deadcode: $(STAMP)
	@out=$$($(VENV)/bin/vulture src tests bench vulture_allowlist.py --min-confidence 60 | grep -E '^src/' || true); \
	if [ -n "$$out" ]; then echo "$$out"; echo "dead code in src/: delete it, or say in vulture_allowlist.py why it lives"; exit 1; fi

check: lint typecheck layers deadcode unit

# The whole suite (unit, functional against moto, slow), on PYTEST_WORKERS processes
# (pytest-xdist; `auto` is one per CPU). The template-tool tests share one worker (loadgroup),
# so SAM CLI and checkov run once. The template tests fail (instead of skipping) here if the
# tools environment is missing.
PYTEST_WORKERS ?= auto
# The Lambda runtime's Python (python3.13) with what the function imports (boto3, Powertools):
# the cold-start budget is measured on it (tests/slow/test_cold_start.py), wherever it exists.
RUNTIME_VENV ?= .venv-runtime
RUNTIME_STAMP := $(RUNTIME_VENV)/.installed
RUNTIME_PY_BIN := $(call find_python,python3.13)
$(RUNTIME_STAMP):
	rm -rf $(RUNTIME_VENV)
	$(RUNTIME_PY_BIN) -m venv $(RUNTIME_VENV)
	$(RUNTIME_VENV)/bin/python -m pip install --quiet -c constraints.txt 'boto3>=1.35' 'aws-lambda-powertools>=3.0'
	@touch $@
RUNTIME_DEPS := $(if $(RUNTIME_PY_BIN),$(RUNTIME_STAMP))
RUNTIME_ENV := $(if $(RUNTIME_PY_BIN),ECR_GUARD_RUNTIME_PYTHON=$(abspath $(RUNTIME_VENV))/bin/python)
# Debian's Chromium for the HTML report's browser test (tests/slow/test_report_browser.py).
# Installed when missing and this is root with apt-get (a fresh CI machine); anywhere else the
# test skips, saying why, and so does a failed install (the suite does not depend on it).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "chromium could not be installed: the browser test skips"; \
	  else echo "no chromium (and not root with apt-get): the browser test skips"; fi; }

suite: $(STAMP) $(TOOLS_STAMP) $(TOOLS_TABLES) $(RUNTIME_DEPS) browser
	$(RUNTIME_ENV) ECR_GUARD_TOOLS_VENV=$(abspath $(TOOLS_VENV)) ECR_GUARD_REQUIRE_TOOLS=1 $(VPY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# Known vulnerabilities in the installed dependencies fail the build; an unreachable
# vulnerability service only warns (AUDIT_REQUIRED=1 makes it fail): see .ci/audit_dependencies.py.
audit: $(STAMP)
	$(VPY) .ci/audit_dependencies.py

# The checks, then the suite. Beside the checks (one core each), one collection of the suite,
# run only to write bytecode: pytest keeps each test module with its assertions rewritten (as
# Python keeps the other modules), and each xdist worker of `suite` then reads it instead of
# rewriting every test module again (a worker's collection about 9 s to 5 s here).
# PYTHONDONTWRITEBYTECODE, which a machine may set, is lifted for that run only; the workers
# only read, and a source changed since is compiled afresh. That collection's own failure is
# not reported: the suite's collection reports it. An interrupted `make test` stops it too.
test: $(STAMP)
	@PYTHONDONTWRITEBYTECODE= $(VPY) -m pytest --collect-only -q -p no:xdist -p no:cacheprovider \
	  >/dev/null 2>&1 & collecting=$$!; trap 'kill $$collecting 2>/dev/null; exit 130' INT TERM; \
	$(MAKE) --no-print-directory lint typecheck layers deadcode audit; checked=$$?; \
	wait $$collecting; test $$checked = 0 || exit $$checked; \
	$(MAKE) --no-print-directory suite

# The demo needs only the package and the emulator (the `demo` extra): an environment of its
# own, a fraction of the development one. Its last lines say how to try the CLI in it.
DEMO_VENV ?= .venv-demo
DEMO_STAMP := $(DEMO_VENV)/.installed
$(DEMO_STAMP): pyproject.toml constraints.txt
	@test -n "$(PY_BIN)" || { echo "no interpreter found for PYTHON=$(PYTHON)"; exit 2; }
	$(PY_BIN) -m venv $(DEMO_VENV)
	$(DEMO_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(DEMO_VENV)/bin/python -m pip install --quiet -c constraints.txt -e '.[demo]'
	@touch $@

demo: $(DEMO_STAMP)
	$(DEMO_VENV)/bin/python -m remediation.demo

# The deployable build: `sam build` (which runs src/Makefile: only what the function runs, not
# the CLI, the demo or release.py), then the code byte-compiled by the runtime's Python
# (python3.13), so that cold starts need not compile it (Lambda's code directory is read-only).
# unchecked-hash: a zip keeps file times to two seconds only, so timestamp checks would fail.
build: $(TOOLS_STAMP)
	$(TOOLS_VENV)/bin/sam build
	@test -n "$(RUNTIME_PY_BIN)" || { echo "python3.13 not found: the build is left as source only"; exit 0; }
	$(RUNTIME_PY_BIN) -m compileall -q --invalidation-mode unchecked-hash .aws-sam/build/Function

# The long fuzz (tests/fuzz, docs/safety.md): every entry point with the `fuzz` profile, at
# least 10,000 examples each, on one process (the handler's runs share one moto account). Seeds
# beyond events/: the shared reference events, when ECR_GUARD_REFERENCE_EVENTS names their
# folder (default ../shared/reference-events). `make test` runs the same tests with a few
# hundred examples each. About an hour on a quiet 2-CPU machine.
fuzz: $(STAMP)
	ECR_GUARD_FUZZ_PROFILE=fuzz $(VPY) -m pytest tests/fuzz -p no:xdist -q --durations=0 --hypothesis-show-statistics $(PYTEST_ARGS)

# Writes bench/results/latest.json (git-ignored); BENCH_ARGS="--sizes 1,10 --runs 7" is quicker.
bench: $(STAMP)
	$(VPY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf .venv .venv-* .pytest_cache .mypy_cache .ruff_cache .aws-sam build
