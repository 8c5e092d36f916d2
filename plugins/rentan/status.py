"""`rentan status`: the pipeline's state on one screen, for whoever is on call.

Reads the pipeline-health views of migration V005 and, when they exist, the validation
results and the publish log (their tables arrive with later work, so their columns are
read from the catalog rather than assumed).
"""

from __future__ import annotations

import datetime as dt

import psycopg
from psycopg import sql

from rentan.ingest.contracts import CONTRACTS

VALIDATION_TABLE = ("audit", "validation_results")
PUBLISH_TABLE = ("meta", "publish_log")
FAILED = ("error", "fail", "failed", "failure", "runtime error", "false")


def print_status(conn: psycopg.Connection) -> None:
    """Print last run per DAG, last load per feed, quarantine, dbt, validation and publish state."""
    if not _exists(conn, "audit", "pipeline_health"):
        print("the warehouse is not migrated yet: run `rentan run` (or any DAG) first")
        return
    print_dag_runs(conn)
    print_feeds(conn)
    print_quarantine(conn)
    print_dbt(conn)
    print_validation(conn)
    print_published(conn)


def print_dag_runs(conn: psycopg.Connection) -> None:
    print("DAG runs")
    rows = conn.execute("select dag_id, last_run_id, last_finished_at, status from audit.health_dag_runs "
                        "order by dag_id").fetchall()
    for dag_id, run_id, finished, status in rows:
        print(f"  {dag_id:<20}{status:<9}{_when(finished):<18}{run_id}")
    if not rows:
        print("  no run recorded yet")


def print_feeds(conn: psycopg.Connection) -> None:
    print("Feeds (current = LOADED batches)")
    print(f"  {'feed':<18}{'snapshot':<12}{'loaded at':<18}{'rows':>12}{'quarantined':>13}{'rejected':>10}"
          "  last file")
    rows = {row[0]: row[1:] for row in conn.execute(
        """select feed, current_snapshot, last_loaded_at, rows_loaded, rows_quarantined, files_rejected,
                  last_file, last_status
           from audit.health_feeds""")}
    for feed in sorted(set(CONTRACTS) | set(rows)):
        if feed not in rows:
            print(f"  {feed:<18}never loaded")
            continue
        snapshot, loaded_at, loaded, quarantined, rejected, last_file, last_status = rows[feed]
        flag = f" ({last_status})" if last_status != "LOADED" else ""
        print(f"  {feed:<18}{str(snapshot or '-'):<12}{_when(loaded_at):<18}{loaded:>12,}{quarantined:>13,}"
              f"{rejected:>10}  {last_file}{flag}")


def print_quarantine(conn: psycopg.Connection) -> None:
    rows = conn.execute(
        """select manifest.feed, quarantine.reason_code, count(*)
           from meta.quarantine as quarantine
           join meta.load_manifest as manifest on manifest.batch_id = quarantine.batch_id
           where manifest.status = 'LOADED'
           group by 1, 2 order by 3 desc, 1, 2 limit 5""").fetchall()
    if rows:
        print("  top quarantine reasons:", ", ".join(f"{feed} {reason} {n:,}" for feed, reason, n in rows))


def print_dbt(conn: psycopg.Connection) -> None:
    run = conn.execute("""select run_id, finished_at, nodes, failures, warnings, seconds
                          from audit.health_dbt_runs order by finished_at desc, run_id desc limit 1""").fetchone()
    if run is None:
        print("dbt: no build recorded yet")
        return
    run_id, finished, nodes, failures, warnings, seconds = run
    print(f"dbt: last build {run_id} at {_when(finished)}: {nodes} nodes, {failures} failed, {warnings} warned, "
          f"{seconds or 0:.0f}s of work")
    for unique_id, status, message in conn.execute(
            """select unique_id, status, message from audit.health_dbt_last_run
               where is_failure order by unique_id limit 5"""):
        print(f"  {status}: {unique_id}: {(message or '').splitlines()[0][:80] if message else ''}")
    slowest = conn.execute("""select unique_id, seconds from audit.health_dbt_last_run
                              where is_slowest_model order by seconds desc nulls last limit 3""").fetchall()
    if slowest:
        print("  slowest models:", ", ".join(f"{name.split('.')[-1]} {secs or 0:.1f}s" for name, secs in slowest))


def print_validation(conn: psycopg.Connection) -> None:
    """The last validation run's outcome, whatever columns the results table has."""
    if not _exists(conn, *VALIDATION_TABLE):
        print("validation: no results table yet (audit.validation_results)")
        return
    columns = _columns(conn, *VALIDATION_TABLE)
    latest = _latest(conn, VALIDATION_TABLE, columns)
    if not latest:
        print("validation: no results yet")
        return
    outcome = next((c for c in ("success", "passed", "status", "outcome", "result") if c in columns), None)
    failed = [row for row in latest if outcome and str(row[outcome]).lower() in FAILED]
    label = next((c for c in ("expectation", "expectation_type", "check_name", "suite", "suite_name", "name")
                  if c in columns), None)
    run = latest[0].get("run_id") or _when(latest[0].get(_time_column(columns)))
    verdict = "FAILED" if failed else ("passed" if outcome else "recorded")
    print(f"validation: last run {run}: {len(latest)} result(s), {verdict}"
          + (f", {len(failed)} failed" if failed else ""))
    if failed and label:
        print("  failed:", ", ".join(str(row[label]) for row in failed[:5]))


def print_published(conn: psycopg.Connection) -> None:
    if not _exists(conn, *PUBLISH_TABLE):
        print("published: nothing published yet (no meta.publish_log)")
        return
    latest = _latest(conn, PUBLISH_TABLE, _columns(conn, *PUBLISH_TABLE), whole_run=False)
    if not latest:
        print("published: nothing published yet")
        return
    fields = ", ".join(f"{k}={_when(v) if isinstance(v, dt.datetime) else v}" for k, v in latest[0].items()
                       if v is not None and not isinstance(v, (dict, list)))
    print(f"published: {fields}")


# -- helpers --------------------------------------------------------------------------

def _exists(conn: psycopg.Connection, schema: str, name: str) -> bool:
    return conn.execute("select to_regclass(%s) is not null", (f"{schema}.{name}",)).fetchone()[0]


def _columns(conn: psycopg.Connection, schema: str, table: str) -> dict[str, str]:
    return dict(conn.execute(
        """select column_name, data_type from information_schema.columns
           where table_schema = %s and table_name = %s order by ordinal_position""", (schema, table)).fetchall())


def _time_column(columns: dict[str, str]) -> str | None:
    return next((c for c, kind in columns.items() if kind.startswith("timestamp")), None)


def _latest(conn: psycopg.Connection, table: tuple[str, str], columns: dict[str, str],
            whole_run: bool = True) -> list[dict]:
    """The newest row, or every row of the newest run when the table has a run_id."""
    when = _time_column(columns)
    order = sql.SQL("order by {} desc nulls last").format(sql.Identifier(when)) if when else sql.SQL("")
    target = sql.Identifier(*table)
    if whole_run and "run_id" in columns:
        query = sql.SQL("select * from {t} where run_id = (select run_id from {t} {o} limit 1) limit 1000").format(
            t=target, o=order)
    else:
        query = sql.SQL("select * from {t} {o} limit 1").format(t=target, o=order)
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        return cur.execute(query).fetchall()


def _when(value) -> str:
    if not isinstance(value, dt.datetime):
        return "-" if value is None else str(value)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M") + "Z"
