"""What the CLI prints after each DAG: loads per feed, the programme's capacity and selection, and its year."""

from __future__ import annotations

import psycopg

from rentan.ingest.contracts import CONTRACTS


def print_dag_summary(conn: psycopg.Connection, dag_id: str, since: float) -> None:
    {"rentan_ingest": print_ingest, "rentan_transform": print_transform}[dag_id](conn, since)


def print_transform(conn: psycopg.Connection, since: float) -> None:
    from rentan.validate.results import validation_summary

    print_selection(conn, since)
    print("\n".join(validation_summary(conn)[1]))


def print_ingest(conn: psycopg.Connection, since: float) -> None:
    row = conn.execute(
        """select summary from meta.run_log where dag_id = 'rentan_ingest' and finished_at >= to_timestamp(%s)
           order by finished_at desc limit 1""",
        (since,),
    ).fetchone()
    if row is None:
        print("  (no ingest summary recorded)")
        return
    summary = row[0]
    print(f"  {'feed':<18}{'files loaded':>13}{'skipped':>9}{'rows loaded':>13}{'quarantined':>13}")
    for feed in CONTRACTS:
        s = summary[feed]
        print(
            f"  {feed:<18}{s['files_loaded']:>13}{s['files_skipped']:>9}{s['rows_loaded']:>13,}"
            f"{s['rows_quarantined']:>13,}"
        )
    if not any(s["files_loaded"] for s in summary.values()):
        skipped = sum(s["files_skipped"] for s in summary.values())
        print(f"  nothing new to load: all {skipped} files were loaded before")


def print_selection(conn: psycopg.Connection, since: float) -> None:
    if conn.execute("select to_regclass('marts.program_capacity')").fetchone()[0] is None:
        print("  (nothing published yet)")
        return
    row = conn.execute(
        """select capacity, binding_constraint, quota, budget_idr, annual_premium_idr,
                  eligible_count, selected_count, waitlist_count from marts.program_capacity"""
    ).fetchone()
    if row is None:
        return
    capacity, binding, quota, budget, annual, eligible, selected, waitlist = row
    print(
        f"  capacity {capacity:,} ({binding} binds: quota {quota:,}, budget Rp{budget:,} / "
        f"Rp{annual:,} a year each = {budget // annual:,})"
    )
    print(f"  eligible {eligible:,}   selected {selected:,}   waiting list {waitlist:,}")
    reasons = conn.execute(
        """select reason, count(*) from ops.eligibility, unnest(string_to_array(reasons, ',')) as reason
           where not is_eligible group by reason order by 2 desc, 1"""
    ).fetchall()
    if reasons:
        print("  top reasons for exclusion:", ", ".join(f"{r} {n:,}" for r, n in reasons[:5]))
    print_lifecycle(conn)


LIFECYCLE_COLUMNS = {("enrollment", "source"), ("replacement_list", "is_registered")}


def print_lifecycle(conn: psycopg.Connection) -> None:
    """The year after selection (program-rules.md section 5): deaths, the slots they free, the
    replacements called from the waiting list, and who BPJS has not registered yet."""
    present = set(
        conn.execute(
            """select table_name, column_name from information_schema.columns where table_schema = 'ops'
           and (table_name, column_name) in (('enrollment', 'source'), ('replacement_list', 'is_registered'))"""
        ).fetchall()
    )
    if present != LIFECYCLE_COLUMNS:
        print("  (no lifecycle published yet: ops.enrollment and ops.replacement_list predate replacements)")
        return
    deaths, freed, first, last = conn.execute(
        """select count(*), count(*) filter (where exit_month < (select max(period) from marts.budget_monthly)),
                  to_char(min(exit_month), 'Mon'), to_char(max(exit_month), 'Mon')
           from ops.enrollment where status = 'EXITED'"""
    ).fetchone()
    called, registered = conn.execute(
        "select count(*), count(*) filter (where is_registered) from ops.replacement_list"
    ).fetchone()
    pending = dict(
        conn.execute(
            """select source, count(*) from ops.enrollment where status = 'SELECTED_NOT_REGISTERED'
           group by source"""
        ).fetchall()
    )
    months = f" ({first}-{last})" if deaths else ""
    print(f"  deaths among participants {deaths:,}{months}   slots freed {freed:,}")
    print(
        f"  replacements called {called:,}   registered by BPJS {registered:,}   pending {called - registered:,}"
        + (f"   slots not filled {freed - called:,}" if freed > called else "")
    )
    selected, replacements = pending.get("SELECTED", 0), pending.get("REPLACEMENT", 0)
    print(
        f"  pending registrations {selected + replacements:,} (selected {selected:,}, replacements "
        f"{replacements:,}): participants BPJS has not registered yet"
    )
