"""The selected cohort is a decision, not a recomputation (docs/decisions/selection-and-eligibility.md).

Before anyone selected is enrolled or called, every build selects afresh from the data. Once
the published version has an enrolled participant, or the decision ledger a call, a build
keeps the published cohort's size and continues the ledger (rentan.publish.ledger: a capacity
raised by a budget revision opens places for the waiting list, like freed slots), and a
fail-level check refuses a build whose selected people or ranks differ from the published
ones, naming how many and why. Only an explicit decision, `rentan run --reselect "reason"`,
changes the cohort then, and starts a new era of the ledger; publish records every change of
the cohort in audit.cohort_decisions, in the swap's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql

from rentan.wap.checks import CheckResult

SUITE = "cohort"
CHECKS = ("cohort_unchanged",)  # declared: publish wants a result of each
SELECTION_FEEDS = ("dtsen", "dukcapil", "bpjs_kepesertaan")


@dataclass(frozen=True)
class CohortChange:
    """How the build's selected cohort differs from the published one."""

    selected: int
    joined: int
    left: int
    reranked: int

    @property
    def changed(self) -> bool:
        return bool(self.joined or self.left or self.reranked)

    def describe(self) -> str:
        return (
            f"{self.joined + self.left + self.reranked:,} selected people would change: "
            f"{self.left:,} leave the cohort, {self.joined:,} join it, {self.reranked:,} change rank"
        )


def frozen_size(conn: psycopg.Connection, reselect: str | None) -> int | None:
    """The cohort size a build must keep, or None when it may select afresh (nobody enrolled or called, or
    --reselect): None also means the build starts a new era of the decision ledger.

    The published version's cohort_size (its capacity when it selected afresh), so an unchanged
    selection gives an unchanged build; a version published before that column existed: its
    selected count.
    """
    if reselect or not _published(conn):
        return None
    decided = conn.execute(
        """select exists (select 1 from ops.enrollment where kpj is not null)
               or exists (select 1 from history.calls where era = (select max(era) from history.eras))"""
    ).fetchone()[0]
    if not decided:
        return None
    if conn.execute(
        """select exists (select 1 from pg_attribute where attrelid = to_regclass('marts.program_capacity')
                          and attname = 'cohort_size' and not attisdropped)"""
    ).fetchone()[0]:
        return conn.execute("select cohort_size from marts.program_capacity").fetchone()[0]
    return conn.execute("select count(*) from ops.eligibility where is_selected").fetchone()[0]


def _published(conn: psycopg.Connection) -> bool:
    return conn.execute(
        "select to_regclass('ops.eligibility') is not null and to_regclass('ops.enrollment') is not null"
    ).fetchone()[0]


def compare(conn: psycopg.Connection, build_schema: str) -> CohortChange:
    """The build's selected (NIK, rank) against the published version's (all joined if none is published)."""
    built = sql.Identifier(build_schema, "eligibility")
    if not _published(conn):
        selected = conn.execute(sql.SQL("select count(*) from {} where is_selected").format(built)).fetchone()[0]
        return CohortChange(selected, selected, 0, 0)
    row = conn.execute(
        sql.SQL("""
        with built as (select nik, priority_rank from {} where is_selected),
        published as (select nik, priority_rank from ops.eligibility where is_selected)
        select count(built.nik),
               count(*) filter (where published.nik is null),
               count(*) filter (where built.nik is null),
               count(*) filter (where built.priority_rank <> published.priority_rank)
        from built full join published on built.nik = published.nik""").format(built)
    ).fetchone()
    return CohortChange(*row)


def checks(
    conn: psycopg.Connection,
    run_id: str,
    build_schemas: dict[str, str],
    reselect: str | None,
    inputs: dict | None = None,
) -> list[CheckResult]:
    """The fail-level checks of suite `cohort` on the run's build (`inputs`: the build's, when not recorded)."""
    frozen = frozen_size(conn, reselect)
    change = compare(conn, build_schemas["ops"])
    if frozen is None or not change.changed:
        note = (
            f"decided by --reselect: {reselect}"
            if reselect
            else "nobody is enrolled or called yet: the cohort follows the data"
            if frozen is None
            else "unchanged"
        )
        unchanged = CheckResult(
            SUITE, "cohort_unchanged", "fail", True, observed_value=vars(change), details={"note": note}
        )
    else:
        unchanged = CheckResult(
            SUITE,
            "cohort_unchanged",
            "fail",
            False,
            observed_value=vars(change),
            unexpected_count=change.joined + change.left + change.reranked,
            details={
                "error": f"{change.describe()}, because {why_changed(conn, run_id, inputs)}; participants are "
                "enrolled or called, so only an explicit decision changes the cohort: "
                'rentan run --reselect "reason"'
            },
        )
    return [unchanged]


def why_changed(conn: psycopg.Connection, run_id: str, inputs: dict | None = None) -> str:
    """What differs between this build's inputs and the published version's: parameters, selection snapshots."""
    now = (
        (inputs,)
        if inputs
        else conn.execute("select inputs from meta.build_state where run_id = %s", (run_id,)).fetchone()
    )
    before = conn.execute("select inputs from meta.publish_log order by version desc limit 1").fetchone()
    if not now or not before or before[0] is None:
        return "the inputs of the published version are not recorded"
    now, before = now[0], before[0]
    reasons = [
        f"parameter {name} {before['params'].get(name)} -> {value}"
        for name, value in sorted(now["params"].items())
        if before["params"].get(name) != value
    ]
    new_batches = [
        batch
        for feed in SELECTION_FEEDS
        for batch in set(now["batches"].get(feed) or []) - set(before["batches"].get(feed) or [])
    ]
    if new_batches:
        rows = conn.execute(
            """select file_name, snapshot_date from meta.load_manifest
               where batch_id = any(%s) and snapshot_date <= %s::date order by file_name""",
            (new_batches, now["params"]["selection_date"]),
        ).fetchall()
        reasons += [f"{name} delivered for {date} (on or before selection_date)" for name, date in rows]
    if now.get("project") != before.get("project"):
        reasons.append("the dbt project changed")
    return "; ".join(reasons) or "the selection's inputs changed"


def record(conn: psycopg.Connection, run_id: str, change: CohortChange, reselect: str | None) -> int | None:
    """Log a change of the cohort, or a re-selection, as a decision (inside publish's transaction); its id."""
    if not (change.changed or reselect):
        return None
    return conn.execute(
        """insert into audit.cohort_decisions (run_id, kind, reason, selected, joined, left_cohort, reranked)
           values (%s, %s, %s, %s, %s, %s, %s) returning decision_id""",
        (
            run_id,
            "RESELECT" if reselect else "SELECTION",
            reselect or "selection from the data, before anyone was enrolled",
            change.selected,
            change.joined,
            change.left,
            change.reranked,
        ),
    ).fetchone()[0]
