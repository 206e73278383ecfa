# The two commands: `make run` and `make test`. Both set up everything they need.
# `make bench [SIZE=full]`: the scale benchmark (not part of `make test`).
.PHONY: run test bench setup clean-db stop-db
PORT ?= 8069
DB ?= commown_infogerance
PYTEST_ARGS ?=
SIZE ?= quick

run:
	PORT=$(PORT) DB=$(DB) scripts/run.sh

test:
	PYTEST_ARGS='$(PYTEST_ARGS)' scripts/test.sh

bench:
	SIZE=$(SIZE) scripts/bench.sh

setup:
	scripts/setup.sh

stop-db:  ## stop the project-local PostgreSQL cluster
	bash -c 'source scripts/lib.sh; as_pg "$$PGBIN/pg_ctl -D $$PGDATA stop"'
