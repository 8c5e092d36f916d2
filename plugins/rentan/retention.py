"""Retention: remove raw and quarantined rows of old load batches (UU 27/2022 minimisation).

Only personal data the programme no longer reads goes: a batch is kept while it is the
snapshot the selection was made on, the latest snapshot of its feed, or a payment file
of the programme year (the finance office's books). The manifest keeps every batch's
metadata, marked PURGED, and meta.purge_log records each purge.
"""

from __future__ import annotations

import datetime as dt
import json

import psycopg
from psycopg import sql

from rentan.ingest.loader import partition_name

IN_USE_SQL = """
with loaded as (
    select batch_id, feed, snapshot_date from meta.load_manifest where status = 'LOADED'
)
select batch_id, 'snapshot of the selection date' from (
    select distinct on (feed) batch_id from loaded
    where feed <> 'bpjs_iuran' and snapshot_date <= %(selection_date)s
    order by feed, snapshot_date desc, batch_id desc) at_selection
union all
select batch_id, 'latest snapshot of its feed' from (
    select distinct on (feed) batch_id from loaded order by feed, snapshot_date desc, batch_id desc) latest
union all
select batch_id, 'payment file of the programme year' from loaded
where feed = 'bpjs_iuran' and extract(year from snapshot_date) = %(program_year)s
"""


def purge(conn: psycopg.Connection, before: dt.date, params: dict) -> dict:
    """Purge batches whose snapshot (or, if rejected, whose load) is older than `before`."""
    with conn.transaction():
        kept = {}
        for batch_id, reason in conn.execute(IN_USE_SQL, {"selection_date": params["selection_date"],
                                                          "program_year": params["program_year"]}):
            kept.setdefault(batch_id, reason)
        candidates = conn.execute(
            """select batch_id, feed, status from meta.load_manifest
               where status in ('LOADED', 'REPLACED', 'REJECTED')
                 and coalesce(snapshot_date, started_at::date) < %s order by batch_id""", (before,)).fetchall()
        purged, raw_rows, quarantine_rows = [], 0, 0
        for batch_id, feed, status in candidates:
            if batch_id in kept:
                continue
            table = partition_name(feed, batch_id)
            if status == "LOADED":
                raw_rows += conn.execute(sql.SQL("select count(*) from {}").format(table)).fetchone()[0]
                conn.execute(sql.SQL("drop table {}").format(table))
            quarantine_rows += conn.execute("delete from meta.quarantine where batch_id = %s",
                                            (batch_id,)).rowcount
            conn.execute("update meta.load_manifest set status = 'PURGED' where batch_id = %s", (batch_id,))
            purged.append(batch_id)
        kept_old = {str(b): r for b, r in kept.items() if b in {c[0] for c in candidates}}
        conn.execute(
            """insert into meta.purge_log (before_date, batch_ids, raw_rows, quarantine_rows, kept)
               values (%s, %s, %s, %s, %s)""", (before, purged, raw_rows, quarantine_rows, json.dumps(kept_old)))
    return {"purged_batches": purged, "raw_rows": raw_rows, "quarantine_rows": quarantine_rows,
            "kept": kept_old}
