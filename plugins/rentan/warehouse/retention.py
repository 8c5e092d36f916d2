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

from rentan.warehouse.raw_tables import partition_name

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


def purge(conn: psycopg.Connection, before: dt.date, params: dict, dry_run: bool = False) -> dict:
    """Purge batches whose snapshot (or, if rejected, whose load) is older than `before`.

    dry_run: say what would be purged, change nothing (no purge_log row either). The result
    names each batch's feed and file (`purged_files`, `kept_files`) for people, and its id.
    """
    with conn.transaction():
        kept = {}
        for batch_id, reason in conn.execute(
            IN_USE_SQL, {"selection_date": params["selection_date"], "program_year": params["program_year"]}
        ):
            kept.setdefault(batch_id, reason)
        candidates = conn.execute(
            """select batch_id, feed, status, file_name, snapshot_date from meta.load_manifest
               where status in ('LOADED', 'REPLACED', 'REJECTED')
                 and coalesce(snapshot_date, started_at::date) < %s order by batch_id""",
            (before,),
        ).fetchall()
        purged, purged_files, kept_files, raw_rows, quarantine_rows = [], [], [], 0, 0
        for batch_id, feed, status, file_name, snapshot_date in candidates:
            described = {"feed": feed, "file_name": file_name, "snapshot_date": snapshot_date, "batch_id": batch_id}
            if batch_id in kept:
                kept_files.append({**described, "reason": kept[batch_id]})
                continue
            table = partition_name(feed, batch_id)
            raw = 0
            if status == "LOADED":
                raw = conn.execute(sql.SQL("select count(*) from {}").format(table)).fetchone()[0]
                if not dry_run:
                    conn.execute(sql.SQL("drop table {}").format(table))
            if dry_run:
                quarantined = conn.execute(
                    "select count(*) from meta.quarantine where batch_id = %s", (batch_id,)
                ).fetchone()[0]
            else:
                quarantined = conn.execute("delete from meta.quarantine where batch_id = %s", (batch_id,)).rowcount
                conn.execute("update meta.load_manifest set status = 'PURGED' where batch_id = %s", (batch_id,))
            raw_rows, quarantine_rows = raw_rows + raw, quarantine_rows + quarantined
            purged.append(batch_id)
            purged_files.append({**described, "status": status, "raw_rows": raw, "quarantine_rows": quarantined})
        kept_old = {str(f["batch_id"]): f["reason"] for f in kept_files}
        if not dry_run:
            conn.execute(
                """insert into meta.purge_log (before_date, batch_ids, raw_rows, quarantine_rows, kept)
                   values (%s, %s, %s, %s, %s)""",
                (before, sorted(purged), raw_rows, quarantine_rows, json.dumps(kept_old)),
            )

    def by_file(f):
        return f["feed"], f["snapshot_date"] or dt.date.min, f["file_name"]

    purged_files.sort(key=by_file)
    kept_files.sort(key=by_file)
    return {
        "purged_batches": purged,
        "raw_rows": raw_rows,
        "quarantine_rows": quarantine_rows,
        "kept": kept_old,
        "purged_files": purged_files,
        "kept_files": kept_files,
        "dry_run": dry_run,
    }
