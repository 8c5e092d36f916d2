"""The budget (program-rules.md sections 2 and 6) when the year is projected over budget.

Four covered months (January-April) at Rp16,800: Rp67,200 a person. A budget of Rp268,800
pays exactly four people, fewer than the quota of five, so the budget binds and every
rupiah is planned. A duplicate payment in January then pushes the projection Rp16,800 over
the budget: the build still publishes (the check warns, it does not block), the marts show
the negative headroom, no replacement is offered, and the report says so.
"""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from rentan.parameters import load_parameters
from rentan.reports.build import build_report
from rentan.transform import dbt_runner
from rentan.validate import gx
from rentan.validate.data_docs import DATA_DOCS_ENV
from rentan.warehouse import connect
from tests.helpers_dbt import load_landing, migrated_database, query, query_one
from tests.test_enrollment import PREMIUM, nik, write_memberships, write_payments, write_people

PARAMETERS = {"quota": 5, "coverage_start_month": "2026-01", "coverage_end_month": "2026-04", "budget_idr": 268800}
OVER_BUDGET_CHECK = "budget.projected_year_end_within_budget"


@pytest.fixture(scope="module")
def built(server_url, tmp_path_factory):
    """(url, DbtRun): four participants from January, paid in January (one twice) and February."""
    landing = tmp_path_factory.mktemp("budget_landing")
    write_people(landing, range(1, 6), {})
    write_memberships(landing, "20251210", [(i, f"K{i}", "PEMKOT_BEKASI", "2025-12-20") for i in range(1, 5)])
    write_payments(landing, "2026-01", [(i, f"K{i}", "2026-01-05") for i in (1, 1, 2, 3, 4)])
    write_payments(landing, "2026-02", [(i, f"K{i}", "2026-02-05") for i in range(1, 5)])
    with migrated_database(server_url) as url:
        load_landing(url, landing)
        run = dbt_runner.build(
            url, load_parameters(PARAMETERS), unit_tests=False, target_path=tmp_path_factory.mktemp("dbt_target")
        )
        yield url, run


def test_the_budget_binds_the_capacity(built):
    url, _ = built
    row = query_one(url, "select * from marts.budget_monthly order by period limit 1")
    assert (
        row["months_covered"],
        row["annual_premium_idr"],
        row["budget_capacity"],
        row["capacity"],
        row["binding_constraint"],
    ) == (4, 4 * PREMIUM, 4, 4, "BUDGET")
    assert query(url, "select count(*) from ops.enrollment where status = 'ACTIVE'") == [(4,)]


def test_budget_months_running_totals_and_projection(built):
    url, _ = built
    rows = query(
        url,
        """select to_char(period, 'YYYY-MM'), active_participants, expected_idr, paid_idr,
                                cumulative_paid_idr, budget_remaining_idr, projected_year_end_idr, headroom_idr,
                                to_char(projection_basis_period, 'YYYY-MM')
                         from marts.budget_monthly order by period""",
    )
    over = 17 * PREMIUM - 268800  # 4 people x 4 months + one duplicate
    # Every month of the programme year has a row; after coverage (May-December) nobody is active.
    assert len(rows) == 12 and rows[4:] == [
        (f"2026-{m:02d}", 0, 0, 0, 9 * PREMIUM, 268800 - 9 * PREMIUM, 17 * PREMIUM, -over, "2026-02")
        for m in range(5, 13)
    ]
    assert rows[:4] == [
        ("2026-01", 4, 4 * PREMIUM, 5 * PREMIUM, 5 * PREMIUM, 268800 - 5 * PREMIUM, 17 * PREMIUM, -over, "2026-01"),
        ("2026-02", 4, 4 * PREMIUM, 4 * PREMIUM, 9 * PREMIUM, 268800 - 9 * PREMIUM, 17 * PREMIUM, -over, "2026-02"),
        ("2026-03", 4, 4 * PREMIUM, 0, 9 * PREMIUM, 268800 - 9 * PREMIUM, 17 * PREMIUM, -over, "2026-02"),
        ("2026-04", 4, 4 * PREMIUM, 0, 9 * PREMIUM, 268800 - 9 * PREMIUM, 17 * PREMIUM, -over, "2026-02"),
    ]
    assert query(url, "select bool_and(is_projected_over_budget) from marts.budget_monthly") == [(True,)]


def test_over_budget_warns_without_blocking_the_build(built, tmp_path, monkeypatch):
    """The projection's rule lives once, in GX's budget suite (one home per rule): a warning, not a block."""
    url, run = built
    assert run.success, run.summary()
    monkeypatch.setenv(DATA_DOCS_ENV, str(tmp_path / "docs"))
    results = gx.run_checks(url, load_parameters(PARAMETERS), {"ops": "ops", "marts": "marts"})
    over_budget = next(r for r in results if r.label == OVER_BUDGET_CHECK)
    assert (over_budget.success, over_budget.severity, over_budget.blocking) == (False, "warn", False)
    assert over_budget.unexpected_count and over_budget.unexpected_count > 0


def test_no_replacement_when_there_is_no_slot_and_no_headroom(built):
    url, _ = built
    slots = query_one(url, "select * from marts.replacement_capacity")
    assert (slots["free_slots"], slots["budget_slots"], slots["eligible_waitlist_count"], slots["replacements"]) == (
        0,
        0,
        1,
        0,
    )
    assert query(url, "select count(*) from ops.replacement_list") == [(0,)]


def test_the_report_flags_the_projected_overrun(built, tmp_path):
    url, _ = built
    with connect(url) as conn:
        result = build_report(conn, "2026-02", tmp_path)
    assert result["summary"]["headroom_idr"] < 0
    summary = {
        r[0]: r[1]
        for r in load_workbook(result["paths"]["xlsx"], read_only=True)["Ringkasan"].iter_rows(values_only=True)
        if r[0]
    }
    assert summary["Status proyeksi"] == "MELEBIHI ANGGARAN"
    assert (summary["Yang membatasi kapasitas"], summary["Kapasitas = min(kuota, kapasitas menurut anggaran)"]) == (
        "Anggaran",
        4,
    )
    text = PdfReader(result["paths"]["pdf"]).pages[0].extract_text()
    assert "PERHATIAN: proyeksi belanja akhir tahun melebihi anggaran" in text


def test_duplicate_is_reconciled(built):
    url, _ = built
    assert query(
        url,
        """select category, persons, paid_idr from marts.reconciliation_summary
                         where period = '2026-01-01' and persons > 0 order by category_precedence""",
    ) == [("DUPLICATE", 1, 2 * PREMIUM), ("MATCHED", 3, 3 * PREMIUM)]
    assert nik(1) == query(url, "select nik from ops.reconciliation where category = 'DUPLICATE'")[0][0]
