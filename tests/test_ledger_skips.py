"""Skipped people keep their rank, and any recorded death excludes (issue 19, cases 2 and 3), through `rentan run`.

Quota 3: P1-P3 are selected and registered, P4, P5, P6, P7 wait (ranks 1-4).

Case 2. Version 1 (February): P1 died; P4, first in line, now has active MANDIRI cover, so is
skipped for P1's slot and P5 is called. Version 2 (April): P4's cover is NONAKTIF and P2 died: P4 is
examined again for P2's slot, before everyone ranked below, and called (not P6).

Case 3 (another year). P1 died in March; P4, first in line, died on 20 June, as the latest
Dukcapil snapshot records when the April slot is filled: P4 is skipped (any recorded death excludes,
whatever its date) and P5 fills the April slot.
"""

from __future__ import annotations

import pytest

from tests.helpers_dbt import migrated_database, query
from tests.story import PREMIUM, Year, nik


def skips(year: Year) -> list[tuple]:
    people = {nik(i): i for i in year.people}
    rows = query(year.url, "select call_order, nik, reasons from history.skips order by call_order, waitlist_rank")
    return [(order, people[who], reasons) for order, who, reasons in rows]


@pytest.fixture(scope="module")
def examined_again(server_url, tmp_path_factory):
    with migrated_database(server_url, prefix="t_ledger_skip") as url:
        story = Year(tmp_path_factory.mktemp("ledger_skip"), url, 7, {"quota": 3})
        story.selection(registered=[1, 2, 3])
        story.memberships("20260228", [(4, "MANDIRI", "AKTIF", "2026-02-01")])
        story.dukcapil("20260228", deaths={1: "2026-02-10"})
        for period in ("2026-01", "2026-02"):
            story.payments(period, [(1, PREMIUM), (2, PREMIUM), (3, PREMIUM)])
        story.run()
        story.first = {"calls": story.calls(), "skips": skips(story), "skipped": story.explain(4)}
        story.memberships(
            "20260430", [(4, "MANDIRI", "NONAKTIF", "2026-02-01"), (5, "PEMKOT_BEKASI", "AKTIF", "2026-03-05")]
        )
        story.dukcapil("20260430", deaths={1: "2026-02-10", 2: "2026-04-03"})
        for period in ("2026-03", "2026-04"):
            story.payments(period, [(2, PREMIUM), (3, PREMIUM), (5, PREMIUM)])
        story.run()
        yield story


def test_a_person_not_eligible_is_skipped_for_the_slot_and_keeps_their_rank(examined_again):
    first = examined_again.first
    assert first["calls"] == [(1, 1, 5, 1, "2026-03", 1)]
    assert first["skips"] == [(1, 4, "ALREADY_COVERED")]
    waitlist = first["skipped"]["waitlist"]
    assert (waitlist["waitlist_rank"], waitlist["is_called"], waitlist["is_still_eligible"]) == (1, False, False)
    assert (waitlist["recheck_reasons"], waitlist["times_skipped"]) == ("ALREADY_COVERED", 1)


def test_a_skipped_person_is_examined_again_for_the_next_slot_before_those_ranked_below(examined_again):
    assert examined_again.calls() == [(1, 1, 5, 1, "2026-03", 1), (1, 2, 4, 2, "2026-05", 2)]
    assert examined_again.replacement_list() == [(1, 5, 1, "2026-03", True), (2, 4, 2, "2026-05", False)]
    assert skips(examined_again) == [(1, 4, "ALREADY_COVERED")]  # nobody was skipped for the second call
    assert examined_again.explain(4)["waitlist"]["call_order"] == 2
    after = examined_again.explain(6)["waitlist"]
    assert (after["is_waiting"], after["slots_to_free"]) == (True, 1)


@pytest.fixture(scope="module")
def dead_first_in_line(server_url, tmp_path_factory):
    with migrated_database(server_url, prefix="t_ledger_dead") as url:
        story = Year(tmp_path_factory.mktemp("ledger_dead"), url, 6, {"quota": 3})
        story.selection(registered=[1, 2, 3])
        story.dukcapil("20260630", deaths={1: "2026-03-15", 4: "2026-06-20"})
        for period in ("2026-01", "2026-02", "2026-03"):
            story.payments(period, [(1, PREMIUM), (2, PREMIUM), (3, PREMIUM)])
        story.run()
        yield story


def test_any_recorded_death_excludes_whatever_its_date(dead_first_in_line):
    assert dead_first_in_line.calls() == [(1, 1, 5, 1, "2026-04", 1)]  # P5 for P1's April slot, not P4
    assert skips(dead_first_in_line) == [(1, 4, "DECEASED")]
    assert 4 not in dead_first_in_line.enrollment()
    waitlist = dead_first_in_line.explain(4)["waitlist"]
    assert (waitlist["is_called"], waitlist["is_still_eligible"], waitlist["recheck_reasons"]) == (
        False,
        False,
        "DECEASED",
    )
