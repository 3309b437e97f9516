# The two commands a fresh machine needs: `make run` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PACKAGES := proto common devtools svc-qualification svc-documents svc-integration svc-interchange gateway simulators
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: venv venv-dev run test lint proto token env bench-qualification clean

# What running needs: the suite's packages and their declared dependencies (`make run`).
venv: $(STAMP)

$(STAMP): $(foreach p,$(PACKAGES),$(p)/pyproject.toml)
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet $(foreach p,$(PACKAGES),-e ./$(p))
	# IPAex Gothic for Japanese PDFs, taken from a wheel that ships it; only the font file is used.
	$(PIP) install --quiet --no-deps japanize-matplotlib==1.1.3
	touch $(STAMP)

# What testing adds: test runner, linters, the stub generator, the chart and fuzz tools (`make test`).
venv-dev: $(DEV_STAMP)

$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(PIP) install --quiet -r requirements-dev.txt
	touch $(DEV_STAMP)

run: venv
	$(VENV)/bin/nhi-suite run

# Two pytest workers (pytest-xdist), a test file to each at a time so that a file's suite starts once; more
# workers each start their own suite of processes, so raise TEST_WORKERS only where cores and memory allow.
TEST_WORKERS ?= 2

test: venv-dev lint
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile

# Lint and format check with the rules declared in ruff.toml; `ruff format .` fixes the format.
lint: venv-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

proto: venv-dev
	$(PY) proto/generate.py

# Prints `export` lines for a shell: the local secrets and the NATS_URL of the running suite.
env:
	@$(MAKE) --no-print-directory -s venv >/dev/null
	@$(VENV)/bin/nhi-suite env

# Prints a bearer token for the local suite and nothing else.
# ROLE and SCOPE take one value or several separated by commas: make token ROLE=counter SCOPE=mynumber:read
comma := ,
token:
	@$(MAKE) --no-print-directory -s venv >/dev/null
	@eval "$$($(VENV)/bin/nhi-suite env)"; $(VENV)/bin/nhi-gateway token \
		$(foreach r,$(subst $(comma), ,$(or $(ROLE),counter)),--role $(r)) \
		$(foreach s,$(subst $(comma), ,$(SCOPE)),--scope $(s))

bench-qualification: venv
	$(PY) bench/qualification/run.py

clean:
	rm -rf var .pytest_cache
