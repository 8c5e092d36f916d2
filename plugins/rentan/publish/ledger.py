"""The decision ledger (migration V022, docs/decisions/enrollment-and-replacements.md): what a published
version decided is appended, in the publish's transaction, to the schema `history`.

A build reads the ledger's latest era (the stg_history__* models) and decides only what is new:
the replacement calls it makes (ops.replacement_list, is_new_call), the people skipped for them
(ops.replacement_skips, is_new) and a change of capacity (marts.capacity_history, is_new). Once
its version is published those rows join the ledger and stand: no later run rewrites them (the
pipeline role holds no right to update or delete them, migration V022). A build that starts
afresh (nobody enrolled or called yet, or `--reselect`) starts a new era when the cohort or
the capacity it decides differs from the era's, or always for a re-selection.
"""

from __future__ import annotations

import psycopg


def append(
    conn: psycopg.Connection,
    run_id: str,
    version: int,
    *,
    fresh: bool,
    cohort_changed: bool,
    cohort_decision_id: int | None,
    reselect: str | None,
) -> dict:
    """Append the published version's decisions (ops and marts are the new version already); return the counts."""
    era = conn.execute("select max(era) from history.eras").fetchone()[0]
    capacity_differs = conn.execute(
        """select exists (
               select 1 from marts.capacity_history as built
               where built.is_new and built.capacity is distinct from (
                   select capacity from history.capacity_changes where era = %s
                   order by change_no desc limit 1))""",
        (era,),
    ).fetchone()[0]
    new_era = era is None or (fresh and (reselect is not None or cohort_changed or capacity_differs))
    if new_era:
        era = (era or 0) + 1
        conn.execute(
            """insert into history.eras (era, kind, reason, cohort_decision_id, published_version, run_id)
               values (%s, %s, %s, %s, %s, %s)""",
            (
                era,
                "RESELECT" if reselect else "SELECTION",
                reselect or "selection from the data, before anyone was enrolled or called",
                cohort_decision_id,
                version,
                run_id,
            ),
        )
    changes = 0
    if new_era or not fresh:  # an era's first capacity, or a change of a continued era
        changes = conn.execute(
            """insert into history.capacity_changes (era, change_no, effective_month, capacity, previous_capacity,
                   quota, budget_idr, annual_premium_idr, binding_constraint, data_month, published_version, run_id)
               select %s, change_no, effective_month, capacity, previous_capacity, quota, budget_idr,
                      annual_premium_idr, binding_constraint, data_month, %s, %s
               from marts.capacity_history where is_new""",
            (era, version, run_id),
        ).rowcount
    calls = conn.execute(
        """insert into history.calls (era, call_order, nik, waitlist_rank, priority_rank, slot_key, slot_source,
               replaces_nik, freed_month, freed_rank, slot_start_month, slot_cost_idr, data_month, published_version,
               run_id)
           select %s, list.call_order, list.nik, list.waitlist_rank, list.priority_rank, list.slot_key,
                  list.slot_source, list.replaces_nik, list.freed_month, list.freed_rank, list.slot_start_month,
                  list.slot_cost_idr, list.called_in_data_month, %s, %s
           from ops.replacement_list as list
           where list.is_new_call""",
        (era, version, run_id),
    ).rowcount
    skips = conn.execute(
        """insert into history.skips (era, call_order, nik, waitlist_rank, reasons, published_version, run_id)
           select %s, call_order, nik, waitlist_rank, reasons, %s, %s from ops.replacement_skips where is_new""",
        (era, version, run_id),
    ).rowcount
    return {"era": era, "new_era": new_era, "calls": calls, "skips": skips, "capacity_changes": changes}
