# The two commands: `make run` and `make test`. Both set up everything they need.
# `make bench [SIZE=full] [ONLY="cart cart_add"]`: the scale benchmark (not part of `make test`).
.PHONY: run test test-odoo test-peers browser-test bench oracle setup stop-db lint format wheel i18n security-matrix billing-live-test loadcheck
PORT ?= 8069
DB ?= commown_infogerance
PYTEST_ARGS ?=
BROWSER ?= 1
# A focused run (PYTEST_ARGS set) skips Odoo's runner, which runs the whole suite.
ODOO_RUNNER ?= $(if $(PYTEST_ARGS),0,1)
# ... and the neighbours' test suites (make test-peers).
PEERS ?= $(if $(PYTEST_ARGS),0,1)
LIVE ?= $(if $(PYTEST_ARGS),0,1)
BROWSER_PYTEST_ARGS ?=
SIZE ?= quick
ONLY ?=
PROFILE ?=
export PORT DB PYTEST_ARGS BROWSER_PYTEST_ARGS

run:
	scripts/run.sh

test:  ## pytest-odoo (no demo data), Odoo's runner (demo data; ODOO_RUNNER=0 skips it), the neighbours' suites (PEERS=0 skips them), the billing run's live tests (LIVE=0 skips them), the browser tests (BROWSER=0 skips them)
	scripts/test.sh
	@if [ "$(ODOO_RUNNER)" != 0 ]; then scripts/test-odoo-runner.sh; fi
	@if [ "$(PEERS)" != 0 ]; then scripts/test-peers.sh; fi
	@if [ "$(LIVE)" != 0 ]; then scripts/billing-live-test.sh; fi
	@if [ "$(BROWSER)" != 0 ]; then scripts/browser-test.sh; fi

test-odoo:  ## Odoo's own runner (-u --test-enable) on a demo database; ODOO_TEST_SELECT='*test_r4*' narrows it
	scripts/test-odoo-runner.sh

test-peers:  ## the test suites of the modules the addon extends, with the addon installed (known failures: peers/known_failures.txt)
	scripts/test-peers.sh

browser-test:  ## the shop and portal in chromium (Playwright) against a fresh demo database
	scripts/browser-test.sh

oracle:  ## the billing oracle's long profile (INFOGERANCE_ORACLE_EXAMPLES=500 for more lives)
	INFOGERANCE_ORACLE_PROFILE=long PYTEST_ARGS="-k oracle" scripts/test.sh

bench:
	SIZE=$(SIZE) ONLY="$(ONLY)" PROFILE="$(PROFILE)" scripts/bench.sh

billing-live-test:  ## the billing run on real servers: SIGKILL half-way, two runs at once, the cron with a salesman confirming (LIVE_PYTEST_ARGS="-k sigkill")
	scripts/billing-live-test.sh

loadcheck:  ## the billing run on two servers sharing the database and job queue, with concurrent clients (not part of make test)
	scripts/loadcheck.sh

setup:
	scripts/setup.sh

stop-db:  ## stop the project-local PostgreSQL cluster
	bash -c 'source scripts/lib.sh; as_pg "$$PGBIN/pg_ctl -D $$PGDATA stop"'

lint:  ## black/isort check, flake8 + pylint-odoo (Python and XML checks) on the addons
	scripts/tools.sh lint

format:  ## black + isort, in place (what `make lint` checks)
	scripts/tools.sh format

wheel:  ## build the pip wheel odoo11-addon-commown_infogerance into dist/
	scripts/tools.sh wheel

i18n:  ## regenerate the .pot and merge new terms into fr.po
	scripts/i18n.sh

security-matrix:  ## regenerate the README's access matrix from the test database
	bash -c 'source scripts/lib.sh; "$$VENV/bin/python" scripts/security_matrix.py -c "$$ODOO_CFG" -d "$${TEST_DB:-$${ADDON}_test}" --write'
