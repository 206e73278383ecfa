# The two commands: `make run` and `make test`. Both set up everything they need.
.PHONY: run test browser-test setup clean-db stop-db
PORT ?= 8069
DB ?= commown_infogerance
PYTEST_ARGS ?=
BROWSER ?= 1
BROWSER_PYTEST_ARGS ?=

run:
	PORT=$(PORT) DB=$(DB) scripts/run.sh

test:  ## pytest-odoo, then the browser tests (BROWSER=0 skips them)
	PYTEST_ARGS='$(PYTEST_ARGS)' scripts/test.sh
	@if [ "$(BROWSER)" != 0 ]; then BROWSER_PYTEST_ARGS='$(BROWSER_PYTEST_ARGS)' scripts/browser-test.sh; fi

setup:
	scripts/setup.sh

stop-db:  ## stop the project-local PostgreSQL cluster
	bash -c 'source scripts/lib.sh; as_pg "$$PGBIN/pg_ctl -D $$PGDATA stop"'

browser-test:  ## the shop and portal in chromium (Playwright) against a fresh demo database
	BROWSER_PYTEST_ARGS='$(BROWSER_PYTEST_ARGS)' scripts/browser-test.sh
