"""Connect as each role and try to read what it must not: marts.md's schema table, enforced."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql

SCHEMAS = ["raw", "meta", "staging", "intermediate", "ops", "marts", "audit"]
# marts.md: who may read which schema (the etl role owns them all).
READABLE = {
    "rentan_engineer": {"meta", "audit"},
    "rentan_officer": {"ops"},
    "rentan_bi": {"marts"},
}


@pytest.fixture
def login_url(fresh_url, conn):
    """A function making a throw-away login in a group role; returns its URL."""
    made = []

    def make(group: str) -> str:
        name, password = f"t_{group}_{secrets.token_hex(4)}", secrets.token_urlsafe(12)
        conn.execute(sql.SQL("reset role"))
        conn.execute(sql.SQL("create role {} login password {} in role {}").format(
            sql.Identifier(name), sql.Literal(password), sql.Identifier(group)))
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
