# Everything a user or CI runs. The first target installs .venv from requirements.lock.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8

.PHONY: install system-deps demo test test-fast lint airflow year bench bi bench-bi lock lock-bi clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "rentan needs Python 3.11"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

# Debian packages the tests drive for real: a browser, the workbook and PDF renderers,
# PostgreSQL 15 for the server-version test, Redis (the Celery broker) and iproute2 (`ip netns`:
# the Celery workers' hosts). Installs only what is missing (needs root).
SYSTEM_PACKAGES := chromium libreoffice-calc-nogui poppler-utils postgresql-15 fonts-dejavu-core redis-server iproute2

system-deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

demo: install
	$(BIN)/rentan demo

test: install
	$(BIN)/python -m pytest

# The tests that need no warehouse, browser or LibreOffice (under a minute; tests/conftest.py marks the others).
test-fast: install
	$(BIN)/python -m pytest -m "not warehouse and not slow and not production"

# sqlfluff's dbt templater connects to the warehouse: the env line points it at one.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	eval "$$($(BIN)/python -m rentan.transform.dbt_runner env)" && $(BIN)/sqlfluff lint dbt_project

bench: install
	$(BIN)/rentan bench

airflow: install
	$(BIN)/rentan airflow

# A small programme year under Airflow's real scheduler, with its faults, printed step by step
# (about 10 minutes; --keep leaves Airflow up afterwards: `rentan year --keep`).
year: install
	$(BIN)/rentan year

# Superset with the dashboards of bi/superset/ on localhost:8088, in its own .venv-bi
# (installed from requirements-bi.lock on first use), against the warehouse's BI login.
bi: install
	$(BIN)/rentan bi

# Each dashboard's time to render every chart, in headless chromium (needs make system-deps).
bench-bi: install
	$(BIN)/rentan bench-bi

# Re-resolve the lock after changing pyproject.toml's dependencies.
lock: install
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 \
		--python-platform x86_64-unknown-linux-gnu --quiet -o requirements.lock

# Re-resolve Superset's own lock after changing bi/requirements-bi.in.
lock-bi: install
	$(BIN)/uv pip compile bi/requirements-bi.in --python-version 3.11 \
		--python-platform x86_64-unknown-linux-gnu --quiet -o requirements-bi.lock

clean:
	-$(BIN)/rentan warehouse stop
	rm -rf .warehouse .airflow .landing .reports .superset .year .year-metadata dbt_project/target dbt_project/logs
