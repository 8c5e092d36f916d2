"""Readable names and sentences, with their numbers, for the warn-level checks.

A warning reaches an engineer's console as `payments for months outside the coverage
window: 2,176 lines, Rp36.6 M`, not as a dbt test id. Each warn-level check of the GX suites
(expectations/suites, `suite.check`) and of the dbt project (`test.rentan.<name>`, the hash
dropped) has one entry: a name and a sentence whose numbers come from one SQL query over
the relations the run built ({ops} and {marts}: the published schemas once it is published,
else the build schemas). tests/test_explain.py checks every warn-level check has an entry.
A check without one, or whose numbers cannot be read, falls back to validate.describe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import psycopg
from psycopg.rows import dict_row

from rentan.wap.builds import build_schemas
from rentan.wap.checks import describe


@dataclass(frozen=True)
class Sentence:
    name: str  # short and readable
    template: str  # str.format over the query's columns; {x_rp} is column x_idr as rupiah
    query: str


_PROJECTED = Sentence(
    "projected year-end spend over budget",
    "projected year-end spend over the budget: {projected_rp} projected against {budget_rp}, {over_rp} over; "
    "BPJS was paid {beyond_rp} beyond the expected premiums to date (overpayments, duplicates, non-participants)",
    """select projected_year_end_idr as projected_idr, budget_idr, projected_overrun_idr as over_idr,
              paid_beyond_expected_idr as beyond_idr
       from {marts}.budget_monthly order by period desc limit 1""",
)

SENTENCES = {
    "test.rentan.expression_is_true_int_payments_files_period_between_select_coverage_start_month_from_ref_int_"
    "program_parameters_and_select_coverage_end_month_from_ref_int_program_parameters_": Sentence(
        "payments outside the coverage window",
        "payments for months outside the coverage window: {lines:,} lines, {amount_rp} ({periods})",
        """select coalesce(sum(files.rows_loaded), 0) as lines, coalesce(sum(files.loaded_total_idr), 0) as amount_idr,
                  string_agg(to_char(files.period, 'YYYY-MM'), ', ' order by files.period) as periods
           from intermediate.int_payments_files as files
           cross join intermediate.int_program_parameters as parameters
           where files.period not between parameters.coverage_start_month and parameters.coverage_end_month""",
    ),
    "test.rentan.expression_is_true_payment_control_totals_rows_quarantined_0": Sentence(
        "payment lines quarantined at load",
        "payment lines quarantined at load: {lines:,} lines in {files:,} file(s), {amount_rp} "
        "(listed in ops.quarantined_payment_lines)",
        """select coalesce(sum(rows_quarantined), 0) as lines, count(*) filter (where rows_quarantined > 0) as files,
                  coalesce(sum(quarantined_total_idr), 0) as amount_idr
           from {ops}.payment_control_totals""",
    ),
    "test.rentan.expression_is_true_enrollment_nama_is_not_null": Sentence(
        "participants without a name",
        "participants without a name (missing from the latest Dukcapil snapshot): {persons:,}",
        "select count(*) as persons from {ops}.enrollment where nama is null",
    ),
    "test.rentan.unique_enrollment_kpj": Sentence(
        "a KPJ shared by several participants",
        "programme KPJs shared by several participants: {kpjs:,} KPJ(s), {persons:,} participants",
        """select count(*) as kpjs, coalesce(sum(participants), 0) as persons from (
               select kpj, count(*) as participants from {ops}.enrollment where kpj is not null
               group by kpj having count(*) > 1) as shared""",
    ),
    "budget.projected_year_end_within_budget": _PROJECTED,
    "budget.monthly_cumulative_paid_within_budget": Sentence(
        "payments over budget",
        "BPJS was paid more than the budget: {paid_rp} by {month} against {budget_rp}, {over_rp} over; "
        "{beyond_rp} of it beyond the expected premiums (the month is published and reconciled)",
        """select first_over.* from (select 1) as one left join (
               select to_char(period, 'YYYY-MM') as month, cumulative_paid_idr as paid_idr, budget_idr,
                      cumulative_paid_idr - budget_idr as over_idr, paid_beyond_expected_idr as beyond_idr
               from {marts}.budget_monthly where cumulative_paid_idr > budget_idr order by period limit 1
           ) as first_over on true""",
    ),
    "quota.slot_holders_within_capacity": Sentence(
        "slot holders over the capacity",
        "slot holders over the capacity in force: {months:,} month(s), first {month} with {holders:,} "
        "participants holding a slot against {capacity:,} (no decision of this version did it: a death record "
        "withdrawn?)",
        """select coalesce(first_over.months, 0) as months, first_over.month,
                  coalesce(first_over.holders, 0) as holders, coalesce(first_over.capacity, 0) as capacity
           from (select 1) as one left join (
               select count(*) over () as months, to_char(period, 'YYYY-MM') as month, slot_holders as holders,
                      capacity_in_force as capacity
               from {marts}.budget_monthly where slot_holders > capacity_in_force order by period limit 1
           ) as first_over on true""",
    ),
    "control_totals.no_unparsed_amounts": Sentence(
        "payment amounts that do not parse",
        "payment lines whose amount does not parse: {lines:,} lines in {files:,} file(s) (quarantined with "
        "their raw text)",
        """select coalesce(sum(unparsed_amount_rows), 0) as lines,
                  count(*) filter (where unparsed_amount_rows > 0) as files
           from intermediate.int_payments_files""",
    ),
}
_DBT_HASH = re.compile(r"\.[0-9a-f]{10}$")


def key(result) -> str:
    """The catalogue key of a CheckResult: `suite.check` for GX, the test's id without its hash for dbt."""
    return _DBT_HASH.sub("", result.check) if result.suite == "dbt" else f"{result.suite}.{result.check}"


def sentence(conn: psycopg.Connection, result, run_id: str | None = None) -> str:
    """`name: the sentence with its numbers` for a catalogued check; validate.describe's text otherwise."""
    entry = SENTENCES.get(key(result))
    if entry is None:
        return describe(result, limit=120)
    try:
        with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
            row = cur.execute(entry.query.format(**_schemas(conn, run_id))).fetchone()
    except psycopg.Error:
        return f"{entry.name} ({describe(result, limit=80)})"
    values = {**row, **{name[:-4] + "_rp": rupiah(v) for name, v in row.items() if name.endswith("_idr")}}
    return entry.template.format(**{k: "-" if v is None else v for k, v in values.items()})


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


def rupiah(amount: int | None) -> str:
    """Rp36.6 M, Rp2.0 bn, Rp16,800: the size of an amount at a glance."""
    amount = int(amount or 0)
    sign, value = ("-" if amount < 0 else ""), abs(amount)
    if value >= 1_000_000_000:
        return f"{sign}Rp{value / 1e9:.1f} bn"
    if value >= 1_000_000:
        return f"{sign}Rp{value / 1e6:.1f} M"
    return f"{sign}Rp{value:,}"
