"""`rentan status`: the pipeline's state on one screen, for whoever is on call.

Reads the pipeline-health views (migrations V005 and V006) and the publish log.
"""

from __future__ import annotations

import datetime as dt

import psycopg

from rentan.ingest.contracts import CONTRACTS


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
    print_lookups(conn)


def print_dag_runs(conn: psycopg.Connection) -> None:
    print("DAG runs")
    rows = conn.execute(
        "select dag_id, last_run_id, last_finished_at, status from audit.health_dag_runs order by dag_id"
    ).fetchall()
    for dag_id, run_id, finished, status in rows:
        print(f"  {dag_id:<20}{status:<9}{_when(finished):<18}{run_id}")
    if not rows:
        print("  no run recorded yet")


def print_feeds(conn: psycopg.Connection) -> None:
    print("Feeds (current = LOADED batches)")
    print(f"  {'feed':<18}{'snapshot':<12}{'loaded at':<18}{'rows':>12}{'quarantined':>13}{'rejected':>10}  last file")
    rows = {
        row[0]: row[1:]
        for row in conn.execute(
            """select feed, current_snapshot, last_loaded_at, rows_loaded, rows_quarantined, files_rejected,
                  last_file, last_status
           from audit.health_feeds"""
        )
    }
    for feed in sorted(set(CONTRACTS) | set(rows)):
        if feed not in rows:
            print(f"  {feed:<18}never loaded")
            continue
        snapshot, loaded_at, loaded, quarantined, rejected, last_file, last_status = rows[feed]
        flag = f" ({last_status})" if last_status != "LOADED" else ""
        print(
            f"  {feed:<18}{str(snapshot or '-'):<12}{_when(loaded_at):<18}{loaded:>12,}{quarantined:>13,}"
            f"{rejected:>10}  {last_file}{flag}"
        )


def print_quarantine(conn: psycopg.Connection) -> None:
    rows = conn.execute(
        """select manifest.feed, quarantine.reason_code, count(*)
           from meta.quarantine as quarantine
           join meta.load_manifest as manifest on manifest.batch_id = quarantine.batch_id
           where manifest.status = 'LOADED'
           group by 1, 2 order by 3 desc, 1, 2 limit 5"""
    ).fetchall()
    if rows:
        print("  top quarantine reasons:", ", ".join(f"{feed} {reason} {n:,}" for feed, reason, n in rows))


def print_dbt(conn: psycopg.Connection) -> None:
    run = conn.execute("""select run_id, finished_at, nodes, failures, warnings, seconds
                          from audit.health_dbt_runs order by finished_at desc, run_id desc limit 1""").fetchone()
    if run is None:
        print("dbt: no build recorded yet")
        return
    run_id, finished, nodes, failures, warnings, seconds = run
    print(
        f"dbt: last build {run_id} at {_when(finished)}: {nodes} nodes, {failures} failed, {warnings} warned, "
        f"{seconds or 0:.0f}s of work"
    )
    for unique_id, status, message in conn.execute(
        """select unique_id, status, message from audit.health_dbt_last_run
               where is_failure order by unique_id limit 5"""
    ):
        print(f"  {status}: {unique_id}: {(message or '').splitlines()[0][:80] if message else ''}")
    slowest = conn.execute("""select unique_id, seconds from audit.health_dbt_last_run
                              where is_slowest_model order by seconds desc nulls last limit 3""").fetchall()
    if slowest:
        print("  slowest models:", ", ".join(f"{name.split('.')[-1]} {secs or 0:.1f}s" for name, secs in slowest))


def print_validation(conn: psycopg.Connection) -> None:
    """The last validation run (audit.health_validation_runs) and its fail-level failures."""
    row = conn.execute("""select run_id, finished_at, checks, failures, warnings, skipped, published
                          from audit.health_validation_runs order by finished_at desc limit 1""").fetchone()
    if row is None:
        print("validation: no results yet")
        return
    run_id, finished, checks, failures, warnings, skipped, published = row
    print(
        f"validation: last run {run_id} at {_when(finished)}: {checks} checks, "
        f"{'FAILED, ' + str(failures) + ' failed' if failures else 'passed'}, {warnings} warned, "
        f"{skipped} skipped; {'published' if published else 'not published'}"
    )
    if failures:
        names = conn.execute(
            """select suite || '.' || check_name from audit.validation_results
                                where run_id = %s and success is false and severity = 'fail'
                                order by 1 limit 5""",
            (run_id,),
        ).fetchall()
        print("  failed:", ", ".join(name for (name,) in names))
    print_warnings(conn, run_id)


def print_warnings(conn: psycopg.Connection, run_id: str) -> None:
    """The run's warn-level checks that did not pass, each as a readable sentence with its numbers."""
    from rentan.validate.results import CheckResult
    from rentan.validate.sentences import sentence

    rows = conn.execute(
        """select suite, check_name, severity, success, observed_value, unexpected_count, details
           from audit.validation_results where run_id = %s and success is false and severity = 'warn'
           order by suite, check_name""",
        (run_id,),
    ).fetchall()
    for row in rows:
        print(f"  warning: {sentence(conn, CheckResult(*row), run_id)}")


def print_published(conn: psycopg.Connection) -> None:
    row = conn.execute(
        "select version, run_id, published_at from meta.publish_log order by version desc limit 1"
    ).fetchone()
    if row is None:
        print("published: nothing published yet")
        return
    version, run_id, published_at = row
    print(f"published: version {version}, run {run_id}, at {_when(published_at)}")


def print_lookups(conn: psycopg.Connection) -> None:
    """How often officers looked people up (audit.person_lookup, migration V017)."""
    if not _exists(conn, "audit", "person_lookup"):
        return
    count, logins, last = conn.execute(
        "select count(*), count(distinct login), max(looked_up_at) from audit.person_lookup"
    ).fetchone()
    print(
        f"person look-ups (rentan explain): {count:,}"
        + (f" by {logins} login(s), last at {_when(last)}" if count else "")
    )


# -- helpers --------------------------------------------------------------------------


def _exists(conn: psycopg.Connection, schema: str, name: str) -> bool:
    return conn.execute("select to_regclass(%s) is not null", (f"{schema}.{name}",)).fetchone()[0]


def _when(value) -> str:
    if not isinstance(value, dt.datetime):
        return "-" if value is None else str(value)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M") + "Z"
