"""What the monthly report shows, read only from the published relations (ops.*, marts.*).

Never from raw, staging or intermediate: the finance office signs what the audited,
published version of the warehouse says, the same numbers the dashboards show.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import psycopg
from psycopg.rows import dict_row

BUDGET = "select * from marts.budget_monthly order by period"
CATEGORIES = """
    select category, category_label, persons, expected_idr, paid_idr, difference_idr, payment_lines, refunded_idr
    from marts.reconciliation_summary where period = %s order by category_precedence"""
KECAMATAN = """
    select kode_kecamatan, max(nama_kecamatan) as nama_kecamatan, sum(persons) as persons,
           sum(expected_idr) as expected_idr, sum(paid_idr) as paid_idr, sum(difference_idr) as difference_idr,
           sum(persons) filter (where category <> 'MATCHED') as exceptions
    from marts.reconciliation_by_kecamatan where period = %s
    group by kode_kecamatan order by kode_kecamatan nulls last"""
EXCEPTIONS = """
    select kpj, nama, nama_kecamatan, category, category_label, expected_idr, paid_idr, difference_idr,
           payment_lines, last_paid_date, died_on, kode_iuran_list
    from ops.reconciliation where period = %s and category <> 'MATCHED'
    order by category_precedence, nama_kecamatan nulls last, kpj nulls last, kode_iuran_list"""
UNPAID_STREAKS = """
    select kpj, nama, nama_kecamatan, first_unpaid_period, consecutive_unpaid_months, is_bpjs_deactivation_due,
           unpaid_idr
    from ops.consecutive_unpaid where period = %s
    order by consecutive_unpaid_months desc, nama_kecamatan nulls last, kpj"""
QUARANTINED = """
    select file_name, line_no, reason_code, column_name, failures, total_iuran_text, total_iuran_idr,
           amount_parses, raw_line, nik_as_delivered, nama
    from ops.quarantined_payment_lines where period = %s order by line_no"""
CONTROL_TOTALS = "select * from ops.payment_control_totals where period <= %s order by period"
REPLACEMENTS = "select * from marts.replacement_capacity"
LATEST_PERIOD = "select max(period) from marts.reconciliation_summary"


class NoPaymentData(ValueError):
    """The month has no published reconciliation: its BPJS payment file is not loaded (or not published)."""


@dataclass
class ReportData:
    """Everything one month's report shows; each list is rows as dicts, in display order."""

    period: dt.date
    budget_months: list[dict]
    categories: list[dict]
    kecamatan: list[dict]
    exceptions: list[dict]
    unpaid_streaks: list[dict]
    quarantined: list[dict]
    control_totals: list[dict]
    replacements: dict | None

    @property
    def budget(self) -> dict:
        """The period's row of marts.budget_monthly."""
        return next(row for row in self.budget_months if row["period"] == self.period)

    @property
    def control_total(self) -> dict | None:
        """The period's payment file's control totals."""
        return next((row for row in self.control_totals if row["period"] == self.period), None)


def latest_period(conn: psycopg.Connection) -> dt.date | None:
    """The latest month with published payment data, or None before the first file."""
    return conn.execute(LATEST_PERIOD).fetchone()[0]


def load(conn: psycopg.Connection, period: dt.date) -> ReportData:
    """Read the month's report from the published relations; NoPaymentData if the month has none."""
    with conn.cursor(row_factory=dict_row) as cur:
        def rows(query: str, *args) -> list[dict]:
            return cur.execute(query, args).fetchall()

        categories = rows(CATEGORIES, period)
        budget_months = rows(BUDGET)
        if not categories or not any(row["period"] == period for row in budget_months):
            raise NoPaymentData(f"no published reconciliation for {period:%Y-%m} in the programme year: "
                                "is its BPJS payment file loaded and the transform published?")
        replacements = rows(REPLACEMENTS)
        return ReportData(
            period=period,
            budget_months=budget_months,
            categories=categories,
            kecamatan=rows(KECAMATAN, period),
            exceptions=rows(EXCEPTIONS, period),
            unpaid_streaks=rows(UNPAID_STREAKS, period),
            quarantined=rows(QUARANTINED, period),
            control_totals=rows(CONTROL_TOTALS, period),
            replacements=replacements[0] if replacements else None,
        )
