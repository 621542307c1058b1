# Each target creates or reuses the local virtual environment .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench lint clean test-postgres

$(STAMP): pyproject.toml setup.cfg
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	$(BIN)/python -m forensic_match.warmup
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/forensic-match demo

# pytest exits 5 when it collected no test: that must fail, never pass silently.
test: $(STAMP)
	$(BIN)/ruff check forensic_match tests benchmarks
	@$(BIN)/python -m pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "error: pytest collected no tests" >&2; exit 1; fi; \
	exit $$rc

# Benchmarks are kept out of the default test run; results are written to docs/benchmarks.md.
bench: $(STAMP)
	$(BIN)/python -m pytest benchmarks --benchmark-enable --benchmark-only \
		--benchmark-columns=min,median,mean,stddev,rounds --benchmark-json=benchmarks/results.json
	$(BIN)/python benchmarks/report.py benchmarks/results.json

# The case-store tests on a throwaway PostgreSQL server (docs/store.md): needs the server
# binaries (initdb, pg_ctl, createdb; e.g. apt-get install postgresql) on PATH, and a user
# other than root (initdb refuses root). The cluster lives in PG_DIR and is stopped afterwards.
PG_DIR ?= /tmp/forensic_match_pg
PG_PORT ?= 55432
test-postgres: $(STAMP)
	@command -v initdb >/dev/null && command -v pg_ctl >/dev/null || { echo "error: \
	PostgreSQL server binaries (initdb, pg_ctl) are not on PATH" >&2; exit 1; }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check 'psycopg[binary]>=3.1'
	test -d $(PG_DIR)/data || initdb -D $(PG_DIR)/data -A trust -U fm >/dev/null
	pg_ctl -D $(PG_DIR)/data -o "-p $(PG_PORT) -k $(PG_DIR) -c listen_addresses=" \
		-l $(PG_DIR)/server.log -w start
	createdb -h $(PG_DIR) -p $(PG_PORT) -U fm fm_test 2>/dev/null || true
	@FM_STORE_URL="postgresql+psycopg://fm@/fm_test?host=$(PG_DIR)&port=$(PG_PORT)" \
		$(BIN)/python -m pytest tests/test_store.py; rc=$$?; \
	pg_ctl -D $(PG_DIR)/data -w stop -m fast; exit $$rc

lint: $(STAMP)
	$(BIN)/ruff check forensic_match tests benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .benchmarks
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
