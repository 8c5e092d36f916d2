"""Versioned, idempotent migrations: the CLI and every DAG apply them before use."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path

import psycopg

from rentan.warehouse.raw_tables import ensure_raw_table

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Any constant works; it only has to be the same in every process that migrates.
MIGRATION_LOCK = 2_775_001
ETL_ROLE = "rentan_etl"


def migrate(conn: psycopg.Connection, raw_tables: Mapping[str, Sequence[str]]) -> list[str]:
    """Apply the migrations not yet applied, in version order; return their names.

    An advisory lock makes concurrent callers (mapped tasks starting together) wait for
    each other instead of racing. An applied migration whose file changed is an error.
    The group roles are ensured first; everything else runs as rentan_etl, so the
    warehouse's objects have one owner and its default privileges apply to them all.
    `raw_tables` (feed -> columns, rentan.ingest.contracts.RAW_TABLES) are ensured last.
    """
    applied_now = []
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        conn.execute("set local role none")  # roles.sql needs the login's own rights, not rentan_etl's
        conn.execute((MIGRATIONS_DIR / "roles.sql").read_text())
        conn.execute(f"set local role {ETL_ROLE}")
        conn.execute("create schema if not exists meta")
        conn.execute("""create table if not exists meta.schema_migrations (
            version text primary key, checksum text not null,
            applied_at timestamptz not null default clock_timestamp())""")
        applied = dict(conn.execute("select version, checksum from meta.schema_migrations").fetchall())
        for path in sorted(MIGRATIONS_DIR.glob("V*.sql")):
            text = path.read_text()
            checksum = hashlib.sha256(text.encode()).hexdigest()
            if path.stem in applied:
                if applied[path.stem] != checksum:
                    raise RuntimeError(f"migration {path.name} changed after it was applied: add a new one")
                continue
            conn.execute(text)
            conn.execute(
                "insert into meta.schema_migrations (version, checksum) values (%s, %s)", (path.stem, checksum)
            )
            applied_now.append(path.stem)
        for feed, columns in raw_tables.items():
            ensure_raw_table(conn, feed, columns)
    return applied_now
