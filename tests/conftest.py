"""Shared fixtures: one real PostgreSQL for the session, a fresh database per test that needs one."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

# Each test process (a pytest-xdist worker inherits the controller's environment) gets its own
# dbt target directory and Airflow home (Airflow reads its home at import: set before any import).
_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
for _variable, _prefix in (("RENTAN_DBT_DIR", "rentan-test-dbt-"), ("AIRFLOW_HOME", "rentan-test-airflow-")):
    if _WORKER or _variable not in os.environ:
        os.environ[_variable] = tempfile.mkdtemp(prefix=f"{_prefix}{_WORKER or 'main'}-")
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
# The BI marts' pseudonym key: a test key, never a real one (rentan.warehouse.pseudonym).
os.environ.setdefault("RENTAN_PSEUDONYM_KEY", "rentan-test-pseudonym-key")
# Landing files are written by the tests themselves: no need to wait for them to settle.
os.environ.setdefault("RENTAN_LANDING_SETTLE_SECONDS", "0")

from rentan.ingest.contracts import RAW_TABLES  # noqa: E402
from rentan.warehouse import connect  # noqa: E402
from rentan.warehouse.embedded import EmbeddedWarehouse  # noqa: E402
from rentan.warehouse.migrate import migrate  # noqa: E402


@pytest.fixture(scope="session")
def server_url() -> str:
    """The session's PostgreSQL: WAREHOUSE_URL's server when set, else an embedded one of its own."""
    if os.environ.get("WAREHOUSE_URL"):
        yield os.environ["WAREHOUSE_URL"]
        return
    # Outside pytest's temp folder: the server runs as another OS user, and a second pytest
    # session resets that folder's permissions to 0700.
    home = Path(tempfile.mkdtemp(prefix="rentan-test-warehouse-"))
    warehouse = EmbeddedWarehouse(home)
    yield warehouse.start()
    warehouse.stop()
    shutil.rmtree(home, ignore_errors=True)


def _with_database(url: str, database: str) -> str:
    return urlsplit(url)._replace(path=f"/{database}").geturl()


@pytest.fixture
def new_database(server_url) -> str:
    """A new database nothing has migrated: a new server's, or a fresh embedded warehouse's before any run."""
    name = f"t_new_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'create database "{name}"')
    yield _with_database(server_url, name)
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture
def fresh_url(server_url) -> str:
    """A new, migrated database for one test, dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'create database "{name}"')
    url = _with_database(server_url, name)
    with psycopg.connect(url, autocommit=True) as conn:
        migrate(conn, RAW_TABLES)
    yield url
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'drop database "{name}" with (force)')


@pytest.fixture
def conn(fresh_url):
    """A pipeline connection (acting as rentan_etl) to the test's fresh database."""
    with connect(fresh_url) as connection:
        yield connection


@pytest.fixture
def landing(tmp_path) -> Path:
    """An empty landing area with one folder per feed."""
    from rentan.ingest.contracts import CONTRACTS

    for feed in CONTRACTS:
        (tmp_path / "landing" / feed).mkdir(parents=True)
    return tmp_path / "landing"


# Fixtures that start a PostgreSQL server: the session's (server_url, which every warehouse fixture
# builds on), a scratch one (test_deployment) and a PostgreSQL 15 one (test_faults_run, test_preflight).
WAREHOUSE_FIXTURES = {"server_url", "scratch_server", "postgres_15"}


# The longest modules, longest first (seconds per file from `pytest --durations=120`, 2026-12-07, issue 24).
# xdist hands out whole files in collection order (pyproject: --no-loadscope-reorder): started
# first, the long ones run beside the many short ones instead of ending the suite alone.
LONGEST_FIRST = (
    "test_production_year.py",
    "test_ledger_property.py",
    "test_bench.py",
    "test_ledger_capacity.py",
    "test_ledger_skips.py",
    "test_celery_hosts.py",
    "test_cli.py",
    "test_stopping.py",
    "test_ledger_contracts.py",
    "test_lifecycle_e2e.py",
    "test_bi_dashboards.py",
    "test_cohort.py",
    "test_incremental.py",
    "test_ledger_budget.py",
    "test_lint.py",
    "test_dbt_build.py",
    "test_local_airflow.py",
    "test_validation.py",
    "test_faults_run.py",
    "test_transform.py",
    "test_report.py",
    "test_landing_checksums.py",
    "test_enrollment.py",
    "test_attack_roles.py",
    "test_reconciliation_e2e.py",
    "test_eligibility_e2e.py",
    "test_status.py",
    "test_hostile_text.py",
)


def pytest_collection_modifyitems(config, items):
    """Mark `warehouse` every test that needs a PostgreSQL server (a fixture of WAREHOUSE_FIXTURES,
    directly or through another; the browser and LibreOffice tests all use one). `make test-fast` runs
    the tests that are neither `warehouse` nor `slow` (seconds without a server: marked by hand).
    Then put the longest modules first (LONGEST_FIRST)."""
    for item in items:
        if WAREHOUSE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.warehouse)
    rank = {name: position for position, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))
