"""What the CLI prints after each DAG, as lines: loads per feed, the programme's capacity and selection, its year."""

from __future__ import annotations

import psycopg

from rentan.ingest.contracts import CONTRACTS


def ingest_lines(conn: psycopg.Connection, since: float) -> list[str]:
    row = conn.execute(
        """select summary from meta.run_log where dag_id = 'rentan_ingest' and finished_at >= to_timestamp(%s)
           order by finished_at desc limit 1""",
        (since,),
    ).fetchone()
    if row is None:
        return ["  (no ingest summary recorded)"]
    summary = row[0]
    lines = [f"  {'feed':<18}{'files loaded':>13}{'skipped':>9}{'rows loaded':>13}{'quarantined':>13}"]
    for feed in CONTRACTS:
        s = summary[feed]
        lines.append(
            f"  {feed:<18}{s['files_loaded']:>13}{s['files_skipped']:>9}{s['rows_loaded']:>13,}"
            f"{s['rows_quarantined']:>13,}"
        )
    feeds = [summary[feed] for feed in CONTRACTS]
    ignored = [i for s in feeds for i in s.get("ignored", [])] + summary.get("_landing", {}).get("ignored", [])
    for entry in ignored:
        lines.append(f"  not loaded: {entry['name']}: {entry['reason']}")
    for warning in (w for s in feeds for w in s.get("warnings", [])):
        lines.append(f"  warning: {warning}")
    if not any(s["files_loaded"] for s in feeds):
        skipped = sum(s["files_skipped"] for s in feeds)
        rejected = sum(len(s["files_not_loaded"]) for s in feeds)
        if skipped and not rejected:
            lines.append(f"  nothing new to load: all {skipped} files were loaded before")
        else:
            lines.append(
                f"  nothing was loaded: {skipped} file(s) loaded before, {rejected} rejected, "
                f"{len(ignored)} other entries not loaded"
            )
    return lines


def selection_lines(conn: psycopg.Connection) -> list[str]:
    if conn.execute("select to_regclass('marts.program_capacity')").fetchone()[0] is None:
        return ["  (nothing published yet)"]
    row = conn.execute(
        """select capacity, binding_constraint, quota, budget_idr, annual_premium_idr,
                  eligible_count, selected_count, waitlist_count from marts.program_capacity"""
    ).fetchone()
    if row is None:
        return []
    capacity, binding, quota, budget, annual, eligible, selected, waitlist = row
    lines = [
        f"  capacity {capacity:,} ({binding} binds: quota {quota:,}, budget Rp{budget:,} / "
        f"Rp{annual:,} a year each = {budget // annual:,})",
        f"  eligible {eligible:,}   selected {selected:,}   waiting list {waitlist:,}",
    ]
    reasons = conn.execute(
        """select reason, count(*) from ops.eligibility, unnest(string_to_array(reasons, ',')) as reason
           where not is_eligible group by reason order by 2 desc, 1"""
    ).fetchall()
    if reasons:
        lines.append("  top reasons for exclusion: " + ", ".join(f"{r} {n:,}" for r, n in reasons[:5]))
    return lines + lifecycle_lines(conn)


LIFECYCLE_COLUMNS = {("enrollment", "source"), ("replacement_list", "is_registered")}


def lifecycle_lines(conn: psycopg.Connection) -> list[str]:
    """The year after selection (program-rules.md section 5): deaths, the slots they free, the
    replacements called from the waiting list, and who BPJS has not registered yet."""
    present = set(
        conn.execute(
            """select table_name, column_name from information_schema.columns where table_schema = 'ops'
           and (table_name, column_name) in (('enrollment', 'source'), ('replacement_list', 'is_registered'))"""
        ).fetchall()
    )
    if present != LIFECYCLE_COLUMNS:
        return ["  (no lifecycle published yet: ops.enrollment and ops.replacement_list predate replacements)"]
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
    selected, replacements = pending.get("SELECTED", 0), pending.get("REPLACEMENT", 0)
    return [
        f"  deaths among participants {deaths:,}{months}   slots freed {freed:,}",
        f"  replacements called {called:,}   registered by BPJS {registered:,}   pending {called - registered:,}"
        + (f"   slots not filled {freed - called:,}" if freed > called else ""),
        f"  pending registrations {selected + replacements:,} (selected {selected:,}, replacements "
        f"{replacements:,}): participants BPJS has not registered yet",
    ]
