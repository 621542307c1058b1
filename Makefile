# Each target creates or reuses the local virtual environment .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-slow bench lint clean test-postgres test-reports

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

# The tests marked slow (setup.cfg leaves them out of `make test`): every cut of the Familias
# files, the installed wheel run from outside the repository, the Dask cluster, random nights.
# .ci/run runs them after the suite.
test-slow: $(STAMP)
	@$(BIN)/python -m pytest -m slow; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "error: pytest collected no slow tests" >&2; exit 1; fi; \
	exit $$rc

# Benchmarks are kept out of the default test run; results are written to docs/benchmarks.md.
bench: $(STAMP)
	$(BIN)/python -m pytest benchmarks --benchmark-enable --benchmark-only \
		--benchmark-columns=min,median,mean,stddev,rounds --benchmark-json=benchmarks/results.json
	$(BIN)/python benchmarks/report.py benchmarks/results.json

# The case-store tests on a throwaway PostgreSQL server (docs/store.md): .ci/postgres-tests
# installs the server from the system packages when it is absent, starts it in PG_DIR on
# PG_PORT, runs tests/test_store.py against it and stops it.
test-postgres: $(STAMP)
	PY=$(BIN)/python .ci/postgres-tests

# The report pages in a real headless browser (docs/reports.md): .ci/report-tests installs
# Chromium from the system packages when it is absent and runs tests/test_reports_browser.py,
# which then may not skip; screenshots, PDFs and DOM dumps go to test-output/reports.
test-reports: $(STAMP)
	PY=$(BIN)/python .ci/report-tests

lint: $(STAMP)
	$(BIN)/ruff check forensic_match tests benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .benchmarks
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
