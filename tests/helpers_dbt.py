"""Helpers of the dbt tests: a migrated database per test module, loading a landing area."""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from rentan.ingest.contracts import RAW_TABLES
from rentan.ingest.landing import scan, split_new_and_loaded
from rentan.ingest.loader import load_file
from rentan.publish import steps as publish_step
from rentan.transform import steps as transform_step
from rentan.validate import steps as validate_step
from rentan.warehouse import connect
from rentan.warehouse.migrate import migrate


@contextmanager
def migrated_database(server_url: str, prefix: str = "t_dbt") -> Iterator[str]:
    """A new, migrated database on the test server for one module; dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'create database "{name}"')
    url = urlsplit(server_url)._replace(path=f"/{name}").geturl()
    try:
        with psycopg.connect(url, autocommit=True) as conn:  # as the superuser: migrate grants to the roles
            migrate(conn, RAW_TABLES)
        yield url
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'drop database if exists "{name}" with (force)')


@contextmanager
def copy_database(server_url: str, url: str) -> Iterator[str]:
    """A copy of the database at `url` (its data, ledger and published version), dropped afterwards."""
    source, name = urlsplit(url).path.lstrip("/"), f"t_copy_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute("select pg_terminate_backend(pid) from pg_stat_activity where datname = %s", (source,))
        admin.execute(sql.SQL("create database {} template {}").format(sql.Identifier(name), sql.Identifier(source)))
        # Database privileges are not copied with the template: grant what roles.sql grants.
        admin.execute(sql.SQL("grant create on database {} to rentan_etl").format(sql.Identifier(name)))
    try:
        yield urlsplit(server_url)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


@contextmanager
def warehouse_env(url: str) -> Iterator[str]:
    """WAREHOUSE_URL set to `url` for the block (the pipeline's steps read it), then as it was."""
    previous = os.environ.get("WAREHOUSE_URL")
    os.environ["WAREHOUSE_URL"] = url
    try:
        yield url
    finally:
        if previous is None:
            del os.environ["WAREHOUSE_URL"]
        else:
            os.environ["WAREHOUSE_URL"] = previous


def load_landing(url: str, landing: Path) -> list[dict]:
    """Load every new file of a landing area, as the ingest DAG would; return the load results."""
    with connect(url) as conn:
        new, _ = split_new_and_loaded(conn, scan(landing))
        return [load_file(conn, f) for f in new]


def query(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    with connect(url) as conn:
        return conn.execute(sql, params).fetchall()


def query_one(url: str, sql: str, params: tuple = ()) -> dict:
    """The first row of a query as a dict of column name -> value."""
    with connect(url) as conn, conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(sql, params).fetchone()


def publish_run(
    run_id: str, overrides: dict | None = None, reselect: str | None = None, unit_tests: bool = False
) -> dict:
    """Build, validate and publish as the transform DAG does, on the database of WAREHOUSE_URL.

    Without dbt's unit tests unless asked (they test SQL, not data: tests/test_dbt_build.py runs them).
    """
    built = transform_step.build(run_id, overrides or {}, unit_tests=unit_tests, reselect=reselect)
    validate_step.validate(run_id, built["params"], reselect=reselect)
    return {**built, **publish_step.publish(run_id, reselect=reselect)}


def make_login(url: str, group: str) -> str:
    """A throw-away login in a group role of the database at `url`; its URL."""
    name, password = f"t_{group}_{secrets.token_hex(4)}", secrets.token_urlsafe(12)
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(
            sql.SQL("create role {} login password {} in role {}").format(
                sql.Identifier(name), sql.Literal(password), sql.Identifier(group)
            )
        )
    parts = urlsplit(url)
    return parts._replace(netloc=f"{name}:{password}@{parts.hostname}:{parts.port}").geturl()
