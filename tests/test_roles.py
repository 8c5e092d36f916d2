"""Connect as each role and try to read what it must not: marts.md's schema table, enforced."""

from __future__ import annotations

import secrets
import shutil
import uuid
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql

from rentan.ingest.contracts import RAW_TABLES
from rentan.warehouse import connect
from rentan.warehouse import migrate as migrations

SCHEMAS = ["raw", "meta", "staging", "intermediate", "ops", "marts", "audit"]
# marts.md: who may read which schema (the etl role owns them all).
READABLE = {
    "rentan_engineer": {"meta", "audit"},
    "rentan_officer": set(),  # officers read ops only through officer.read, per recorded look-up (V031)
    "rentan_bi": {"marts"},
}


@pytest.fixture
def login_url(fresh_url, conn):
    """A function making a throw-away login in a group role; returns its URL."""
    made = []

    def make(group: str) -> str:
        name, password = f"t_{group}_{secrets.token_hex(4)}", secrets.token_urlsafe(12)
        conn.execute(sql.SQL("reset role"))
        conn.execute(
            sql.SQL("create role {} login password {} in role {}").format(
                sql.Identifier(name), sql.Literal(password), sql.Identifier(group)
            )
        )
        made.append(name)
        parts = urlsplit(fresh_url)
        return parts._replace(netloc=f"{name}:{password}@{parts.hostname}:{parts.port}").geturl()

    yield make
    conn.execute("reset role")
    for name in made:
        conn.execute(sql.SQL("drop owned by {}; drop role {}").format(sql.Identifier(name), sql.Identifier(name)))


def one_table_per_schema(conn) -> dict[str, str]:
    """A relation in every schema, created by the pipeline role after the grants were set."""
    conn.execute("set role rentan_etl")
    for schema in SCHEMAS:
        conn.execute(sql.SQL("create table {} as select 1 as x").format(sql.Identifier(schema, "made_later")))
    return {schema: f"{schema}.made_later" for schema in SCHEMAS}


@pytest.mark.parametrize("group", sorted(READABLE))
def test_each_role_reads_its_schemas_and_is_denied_the_rest(conn, login_url, group):
    tables = one_table_per_schema(conn)
    with psycopg.connect(login_url(group), autocommit=True) as reader:
        for schema, table in tables.items():
            query = sql.SQL("select x from {}").format(sql.Identifier(*table.split(".")))
            if schema in READABLE[group]:
                assert reader.execute(query).fetchone() == (1,), (group, schema)
            else:
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    reader.execute(query)


def test_no_reader_can_create_anything_or_read_raw_functions(conn, login_url):
    one_table_per_schema(conn)
    with psycopg.connect(login_url("rentan_bi"), autocommit=True) as bi:
        for schema in SCHEMAS + ["public"]:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                bi.execute(sql.SQL("create table {} (x int)").format(sql.Identifier(schema, "intruder")))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            bi.execute("select meta.normalize_id('1')")


def test_upgrading_takes_back_the_old_table_grants(server_url, tmp_path, monkeypatch):
    """A warehouse made before V013 (SELECT everywhere, USAGE the only gate) keeps no grant outside a role's schemas."""
    before = tmp_path / "migrations"
    before.mkdir()
    for path in migrations.MIGRATIONS_DIR.iterdir():
        if path.name == "roles.sql" or path.name < "V013":
            shutil.copy(path, before)
    name = f"t_upgrade_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    url = urlsplit(server_url)._replace(path=f"/{name}").geturl()
    try:
        with connect(url) as conn:
            monkeypatch.setattr(migrations, "MIGRATIONS_DIR", before)
            migrations.migrate(conn, RAW_TABLES)
            conn.execute("create schema ops_build")  # a failed build's leftovers
            tables = [*SCHEMAS, "secret", "ops_build"]
            for schema in tables:
                conn.execute(
                    sql.SQL("create table {} as select '3275011201900001'::text as nik").format(
                        sql.Identifier(schema, "old")
                    )
                )
            conn.execute("analyze")
            monkeypatch.undo()
            assert "V013__least_privilege" in migrations.migrate(conn, RAW_TABLES)
            granted = conn.execute(
                """select n.nspname, r.rolname from pg_class as c join pg_namespace as n on c.relnamespace = n.oid
                   cross join pg_roles as r
                   where r.rolname in ('rentan_engineer', 'rentan_officer', 'rentan_bi')
                     and c.relname = 'old' and has_table_privilege(r.oid, c.oid, 'select')"""
            ).fetchall()
        assert sorted(granted) == [
            ("audit", "rentan_engineer"),
            ("marts", "rentan_bi"),
            ("meta", "rentan_engineer"),
        ]  # and not ("ops", "rentan_officer") any more: V031 took it back
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(sql.SQL("drop database {} with (force)").format(sql.Identifier(name)))
