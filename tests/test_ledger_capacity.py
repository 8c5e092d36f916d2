"""Capacity changes are decisions that never remove anyone (issue 19, case 5), and a 13-digit amount stays in
its file's rupiah total (case 6), through `rentan run`.

Quota 3: P1-P3 are selected and registered; P4, the only one waiting, is covered by an employer, so
when P1 dies in March, P1's slot stays free. Version 2: the quota is cut to 2 (APBD-P). It still
covers the two participants holding a slot, so it is accepted, in force from May (the month after
the latest payment data); the months before keep the capacity of 3 they had. Version 3: a cut to 1
would leave a participant without a place: refused, naming the months; the published version stays.
"""

from __future__ import annotations

import pytest

from tests.helpers_dbt import migrated_database, query
from tests.story import PREMIUM, Year

THIRTEEN_DIGITS = 1234567890123


@pytest.fixture(scope="module")
def year(server_url, tmp_path_factory):
    with migrated_database(server_url, prefix="t_ledger_capacity") as url:
        story = Year(tmp_path_factory.mktemp("ledger_capacity"), url, 4, {"quota": 3})
        story.selection(registered=[1, 2, 3])
        story.memberships("20260331", [(4, "PEMBERI_KERJA", "AKTIF", "2026-02-01")])
        story.dukcapil("20260331", deaths={1: "2026-03-20"})
        story.payments("2026-01", [(1, PREMIUM), (2, PREMIUM), (3, PREMIUM), (2, THIRTEEN_DIGITS)])
        for period in ("2026-02", "2026-03", "2026-04"):
            story.payments(period, [(1, PREMIUM), (2, PREMIUM), (3, PREMIUM)])
        story.run()
        story.params(quota=2)
        story.run()
        story.history_after_cut = history(url)
        story.params(quota=1)
        story.refused = story.run(ok=False)
        yield story


def history(url: str) -> list[tuple]:
    return query(
        url,
        """select change_no, to_char(effective_month, 'YYYY-MM'), capacity, previous_capacity, published_version
           from history.capacity_changes order by era, change_no""",
    )


def test_a_cut_that_covers_every_slot_holder_is_accepted_from_the_month_after_the_latest_data(year):
    assert year.history_after_cut == [(1, "2026-01", 3, None, 1), (2, "2026-05", 2, 3, 2)]
    in_force = query(
        year.url,
        "select to_char(period, 'YYYY-MM'), capacity_in_force, slot_holders from marts.budget_monthly order by 1",
    )
    assert in_force == [
        *((f"2026-{m:02d}", 3, 3) for m in (1, 2, 3)),
        ("2026-04", 3, 2),
        *((f"2026-{m:02d}", 2, 2) for m in range(5, 13)),
    ]
    assert set(year.enrollment()) == {1, 2, 3}  # nobody removed


def test_a_cut_below_the_slot_holders_is_refused_naming_the_months(year):
    assert "quota.decisions_within_capacity" in year.refused
    assert "2026-05" in year.refused
    assert history(year.url) == year.history_after_cut
    assert query(year.url, "select capacity from marts.program_capacity") == [(2,)]


def test_a_13_digit_amount_stays_in_its_files_rupiah_total(year):
    totals = query(
        year.url,
        """select amount_total_idr, amount_loaded_idr, amount_quarantined_idr from meta.load_manifest
           where file_name like %s""",
        ("%bpjs_iuran_202601.csv",),
    )
    assert totals == [(3 * PREMIUM + THIRTEEN_DIGITS, 3 * PREMIUM, THIRTEEN_DIGITS)]
    reason = query(
        year.url,
        """select q.reason_code from meta.quarantine as q join meta.load_manifest as m using (batch_id)
           where m.file_name like %s""",
        ("%bpjs_iuran_202601.csv",),
    )
    assert reason == [("AMOUNT_OUT_OF_RANGE",)]
