# The two set-up commands (see README.md): `make deploy` and `make test`.
VENV ?= $(CURDIR)/.venv
CONFIG ?= etc/undercloud.conf

.PHONY: deploy test deps unit integration e2e bench clean-test

deps:
	UNDERCROFT_VENV=$(VENV) bash scripts/host-deps.sh

deploy: deps
	$(VENV)/bin/undercroft install --config $(CONFIG)

test:
	UNDERCROFT_VENV=$(VENV) UNDERCROFT_TEST_DEPS=1 bash scripts/host-deps.sh
	UNDERCROFT_VENV=$(VENV) bash scripts/run-tests.sh $(ARGS)

unit: deps
	$(VENV)/bin/python -m pytest -q tests/unit

integration: deps
	$(VENV)/bin/python -m pytest -q tests/integration

e2e: deps
	$(VENV)/bin/python -m pytest -q tests/e2e

bench: deps
	$(VENV)/bin/python bench/deploy_bench.py
