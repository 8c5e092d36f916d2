# Everything a user or CI runs. The first target installs .venv from requirements.lock.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8

.PHONY: install demo test lint airflow bench lock clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "rentan needs Python 3.11"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

demo: install
	$(BIN)/rentan demo

test: install
	$(BIN)/python -m pytest

# sqlfluff's dbt templater connects to the warehouse: the env line points it at one.
lint: install
	$(BIN)/ruff check .
	eval "$$($(BIN)/python -m rentan.dbt_runner env)" && $(BIN)/sqlfluff lint dbt_project

bench: install
	$(BIN)/rentan bench

airflow: install
	$(BIN)/rentan airflow

# Re-resolve the lock after changing pyproject.toml's dependencies.
lock: install
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 \
		--python-platform x86_64-unknown-linux-gnu --quiet -o requirements.lock

clean:
	-$(BIN)/rentan warehouse stop
	rm -rf .warehouse .airflow .landing .reports dbt_project/target dbt_project/logs
