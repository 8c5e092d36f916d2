"""Readable sentences, with their numbers, for the checks that did not pass.

A warning reaches an engineer's console as `payments for months outside the coverage
window: 2,176 lines, Rp36.6 M`, not as a dbt test id. Each sentence lives beside its check:
a GX check's `sentence:` in its suite's YAML, a dbt test's `config.meta.sentence` (copied
into its result's details.sentence when it fails, so a later `rentan status` prints it
without the build's manifest). Either is `name` (short and readable), `template`
(str.format over the query's columns; {x_rp} is column x_idr as rupiah) and `query`, one
SQL query over the relations the run built ({ops} and {marts}: the published schemas once
it is published, else the build schemas). tests/test_explain.py checks every warn-level
check has one. A check without one, or whose numbers cannot be read, falls back to
validate.describe.
"""

from __future__ import annotations

import psycopg
from psycopg.rows import dict_row

from rentan.wap.builds import build_schemas
from rentan.wap.checks import describe
from rentan.wap.suites import load_suites


def sentence(conn: psycopg.Connection, result, run_id: str | None = None) -> str:
    """`name: the sentence with its numbers` for a check that has one; validate.describe's text otherwise."""
    entry = (result.details or {}).get("sentence") or _suite_sentence(result)
    if not entry:
        return describe(result, limit=120)
    try:
        with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
            row = cur.execute(entry["query"].format(**_schemas(conn, run_id))).fetchone()
    except psycopg.Error:
        return f"{entry['name']} ({describe(result, limit=80)})"
    values = {**row, **{name[:-4] + "_rp": rupiah_for_engineers(v) for name, v in row.items() if name.endswith("_idr")}}
    return entry["template"].format(**{k: "-" if v is None else v for k, v in values.items()})


def _suite_sentence(result) -> dict | None:
    """A GX check's sentence, from its suite's YAML (None for a check of another suite)."""
    for batch in load_suites().get(result.suite, ()):
        for check in batch.checks:
            if check.name == result.check:
                return check.sentence
    return None


def _schemas(conn: psycopg.Connection, run_id: str | None) -> dict[str, str]:
    """Where the run's relations are: the build schemas while they are this run's, else the published ones."""
    builds = build_schemas()
    if run_id is not None:
        row = conn.execute(
            "select obj_description(oid, 'pg_namespace') from pg_namespace where nspname = %s", (builds["ops"],)
        ).fetchone()
        if row is not None and row[0] == run_id:
            return builds
    return {schema: schema for schema in builds}


def rupiah_for_engineers(amount: int | None) -> str:
    """Rp36.6 M, Rp2.0 bn, Rp16,800: the size of an amount at a glance."""
    amount = int(amount or 0)
    sign, value = ("-" if amount < 0 else ""), abs(amount)
    if value >= 1_000_000_000:
        return f"{sign}Rp{value / 1e9:.1f} bn"
    if value >= 1_000_000:
        return f"{sign}Rp{value / 1e6:.1f} M"
    return f"{sign}Rp{value:,}"
