"""One run at a time per stage: PostgreSQL advisory locks, each on a session of its own.

Stages and who takes them:
- `ingest`: each file's load (a file is loaded once even when two runs found it new), and
  the dbt build (no file lands half-way through a build);
- `transform`: the dbt build and its validation (two dbt builds at once trip over each
  other's `__dbt_backup` relations);
- `publish`: the swap.
A step takes them in that order, so two steps never wait for each other in a circle.

A session-level advisory lock on a dedicated connection is held until the step ends, or
its process dies (the session ends with it): nothing to clean up after a crash. The
holder's session is named `rentan <stage> <run id>`, so a step that finds the stage taken
logs which run holds it, waits up to LOCK_WAIT_SECONDS and then fails saying so.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import psycopg

from rentan.warehouse import open_connection

log = logging.getLogger(__name__)

NAMESPACE = 2775  # the first key of pg_advisory_lock(int, int): rentan's; the second is the stage
STAGES = {"ingest": 1, "transform": 2, "publish": 3}
# Long enough for the other run's step to finish (a city-sized dbt build takes ~3 min),
# short enough that a stuck run is reported the same hour.
LOCK_WAIT_SECONDS = 600


class StageBusy(RuntimeError):
    """Another run held the stage for longer than the wait; the message names it."""


@contextlib.contextmanager
def stage_lock(url: str, stage: str, run_id: str | None, wait_seconds: float | None = None) -> Iterator[None]:
    """Hold `stage` for the block; wait up to `wait_seconds` (LOCK_WAIT_SECONDS) for another run to let go."""
    wait = LOCK_WAIT_SECONDS if wait_seconds is None else wait_seconds
    key = (NAMESPACE, STAGES[stage])
    conn = open_connection(url, autocommit=True, application_name=f"rentan {stage} {run_id or '-'}"[:63])
    try:
        if not conn.execute("select pg_try_advisory_lock(%s, %s)", key).fetchone()[0]:
            log.info("waiting up to %ss for the %s stage: %s holds it", wait, stage, holder(conn, stage))
            conn.execute("select set_config('lock_timeout', %s, false)", (f"{int(wait * 1000)}ms",))
            try:
                conn.execute("select pg_advisory_lock(%s, %s)", key)
            except psycopg.errors.LockNotAvailable:
                raise StageBusy(
                    f"the {stage} stage is busy: {holder(conn, stage)} holds it and did not let go "
                    f"within {wait:g}s; run again when it is done"
                ) from None
        yield
    finally:
        conn.close()  # ends the session, and with it the lock


def holder(conn: psycopg.Connection, stage: str) -> str:
    """Who holds `stage`: `run <id> (pid N)`, from the holder's session name."""
    row = conn.execute(
        """select activity.application_name, locks.pid from pg_locks as locks
           left join pg_stat_activity as activity on activity.pid = locks.pid
           where locks.locktype = 'advisory' and locks.granted and locks.objsubid = 2
             and locks.classid = %s and locks.objid = %s and locks.database = (
                 select oid from pg_database where datname = current_database())""",
        (NAMESPACE, STAGES[stage]),
    ).fetchone()
    if row is None:
        return "another run (it has just let go)"
    name, pid = row
    prefix = f"rentan {stage} "
    if name and name.startswith(prefix):
        return f"run {name.removeprefix(prefix)} (pid {pid})"
    return f"another session (pid {pid})"
