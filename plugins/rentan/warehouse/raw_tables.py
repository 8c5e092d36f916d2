"""The raw schema: one table per feed, every column text, one partition per load batch.

The feeds are ingest's: it declares them (rentan.ingest.contracts.RAW_TABLES, feed -> columns)
and whoever migrates passes them on, so the warehouse names no feed and imports nothing of ingest.
"""

from __future__ import annotations

from collections.abc import Sequence

import psycopg
from psycopg import sql


def ensure_raw_table(conn: psycopg.Connection, feed: str, columns: Sequence[str]) -> None:
    """raw.<feed>: every declared column as text, partitioned by load batch.

    Built from the declaration so the column list lives in one place (the feed's contract); a
    column added to a contract is added to the table.
    """
    table = sql.Identifier("raw", feed)
    conn.execute(
        sql.SQL("""create table if not exists {} (
        batch_id bigint not null, line_no bigint not null) partition by list (batch_id)""").format(table)
    )
    for column in columns:
        conn.execute(sql.SQL("alter table {} add column if not exists {} text").format(table, sql.Identifier(column)))


def partition_name(feed: str, batch_id: int) -> sql.Identifier:
    """raw.<feed>_b<batch>: the partition of one load batch."""
    return sql.Identifier("raw", f"{feed}_b{batch_id}")
