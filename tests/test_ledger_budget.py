"""A call stands: a later payment never un-calls a replacement (issue 19, case 1), through `rentan run`.

Quota 3, budget Rp756,000 (three full years of premiums and 9 months more). P1-P3 are selected and
registered; P4-P6 wait. Version 1 (data through March): P1 died in March; the headroom of section 6
(Rp151,200) pays the April-December slot exactly, so P4 is called. Version 2 (April): BPJS registered
P4 and paid them for April, and overpaid P2 by Rp300,000. The projection now exceeds the budget
because of what BPJS charged: a warning naming the overrun, the month published, and P4 still a
participant (paid, reconciled MATCHED), never a "waiting" person or a refund demand.
"""

from __future__ import annotations

import psycopg
import pytest

from rentan.warehouse import connect
from tests.helpers_dbt import migrated_database, query
from tests.story import PREMIUM, Year


@pytest.fixture(scope="module")
def year(server_url, tmp_path_factory):
    with migrated_database(server_url, prefix="t_ledger_budget") as url:
        story = Year(tmp_path_factory.mktemp("ledger_budget"), url, 6, {"quota": 3, "budget_idr": 756000})
        story.selection(registered=[1, 2, 3])
        for period in ("2026-01", "2026-02", "2026-03"):
            story.payments(period, [(1, PREMIUM), (2, PREMIUM), (3, PREMIUM)])
        story.dukcapil("20260331", deaths={1: "2026-03-10"})
        story.run()
        story.first = {"calls": story.calls(), "enrollment": story.enrollment()}
        story.memberships("20260410", [(4, "PEMKOT_BEKASI", "AKTIF", "2026-04-05")])
        story.payments("2026-04", [(2, PREMIUM + 300000), (3, PREMIUM), (4, PREMIUM)])
        story.output = story.run()
        yield story


def test_the_headroom_pays_the_freed_slot_so_the_next_waitlisted_person_is_called(year):
    assert year.first["calls"] == [(1, 1, 4, 1, "2026-04", 1)]  # era 1, call 1: P4 for P1's slot, version 1
    assert year.first["enrollment"][4] == ("REPLACEMENT", "SELECTED_NOT_REGISTERED", None, None)


def test_a_later_overpayment_does_not_undo_the_call(year):
    assert year.calls() == year.first["calls"]  # the ledger kept the call, as made by version 1
    assert year.replacement_list() == [(1, 4, 1, "2026-04", True)]
    assert year.enrollment()[4] == ("REPLACEMENT", "ACTIVE", "2026-04", None)
    april = year.reconciliation("2026-04")
    assert april[4] == (PREMIUM, PREMIUM, "MATCHED")  # not NOT_A_PARTICIPANT: no refund demanded of P4
    assert april[2] == (PREMIUM, PREMIUM + 300000, "OVERPAID")


def test_the_bpjs_caused_overrun_is_a_warning_naming_it_and_the_month_is_published(year):
    projected, overrun, beyond = query(
        year.url,
        """select projected_year_end_idr, projected_overrun_idr, paid_beyond_expected_idr
           from marts.budget_monthly where period = '2026-04-01'""",
    )[0]
    # paid Rp501,600 to April + 3 active x 8 months; BPJS was paid Rp300,000 beyond the premiums due
    assert (projected, overrun, beyond) == (501600 + 3 * 8 * PREMIUM, 501600 + 3 * 8 * PREMIUM - 756000, 300000)
    assert "projected year-end spend over the budget: Rp904,800 projected against Rp756,000, Rp148,800 over" in (
        year.output
    )
    assert "BPJS was paid Rp300,000 beyond the expected premiums" in year.output
    assert query(year.url, "select count(*) from meta.publish_log") == [(2,)]


def test_the_officer_sees_the_replacement_called_not_waiting(year):
    called, next_in_line = year.explain(4), year.explain(5)
    assert (called["waitlist"]["is_called"], called["waitlist"]["is_waiting"], called["waitlist"]["call_order"]) == (
        True,
        False,
        1,
    )
    assert (next_in_line["waitlist"]["is_waiting"], next_in_line["waitlist"]["slots_to_free"]) == (True, 1)


def test_the_ledger_is_append_only_even_for_the_pipeline(year):
    for statement in ("update history.calls set nik = nik", "delete from history.calls", "truncate history.skips"):
        with connect(year.url) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement)
    assert year.calls() == year.first["calls"]
