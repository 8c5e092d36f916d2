"""Files for people outside the warehouse, written straight from the database with COPY."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg

REGISTRATION_QUERY = (
    "copy (select * from ops.registration_list order by priority_rank) to stdout with (format csv, header)"
)


def export_registration(conn: psycopg.Connection, out_path: Path | str) -> int:
    """Write ops.registration_list (the selected people, in priority order) as CSV; return its rows.

    The file holds personal data (NIK, names, addresses): it is created readable by its
    owner only, written to a temporary name and renamed, so a reader never sees half a file.
    """
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    partial = out_path.with_name(out_path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as out, conn.cursor() as cur:
            with cur.copy(REGISTRATION_QUERY) as copy:
                for chunk in copy:
                    out.write(chunk)
            rows = cur.rowcount
        partial.replace(out_path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return rows
