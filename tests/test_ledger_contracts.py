"""Contracts that cannot drift silently (issue 19, case 4), through `rentan run`, one landing area in turn:

1. a first DTSEN whose header says "Desil Kesejahteraan" instead of desil: rejected naming the column,
   nothing published (it used to load as all-empty desil and publish 0 eligible, 0 selected);
2. corrected, but every candidate in desil 9: a build with nobody eligible is never published;
3. corrected again: published; P1 dies and P3 is called;
4. a later DTSEN with `desil_kesejahteraan`: rejected, and the year stays as it was (it used to load,
   fail every waitlisted person on DESIL_ABOVE_MAX and leave the slots unfilled, validation PASSED).
"""

from __future__ import annotations

import pytest

from tests.helpers_dbt import migrated_database, query
from tests.story import DTSEN_HEADER, PREMIUM, Year

RENAMED = DTSEN_HEADER.replace(",desil,", ",Desil Kesejahteraan,")


@pytest.fixture(scope="module")
def year(server_url, tmp_path_factory):
    with migrated_database(server_url, prefix="t_ledger_contract") as url:
        story = Year(tmp_path_factory.mktemp("ledger_contract"), url, 5, {"quota": 2})
        story.selection(registered=[1, 2])
        story.dtsen("20251201", header=RENAMED)
        story.outputs = [story.run(ok=False)]
        story.published = [query(url, "select count(*) from meta.publish_log")[0][0]]
        story.dtsen("20251201", desil={i: 9 for i in story.people})
        story.outputs.append(story.run(ok=False))
        story.published.append(query(url, "select count(*) from meta.publish_log")[0][0])
        story.dtsen("20251201")
        story.dukcapil("20260331", deaths={1: "2026-03-02"})
        story.payments("2026-03", [(1, PREMIUM), (2, PREMIUM)])
        story.outputs.append(story.run())
        story.calls_before = story.calls()
        story.dtsen("20260601", header=DTSEN_HEADER.replace(",desil,", ",desil_kesejahteraan,"))
        story.outputs.append(story.run(ok=False))
        yield story


def test_a_renamed_column_the_rules_read_rejects_the_file_naming_it(year):
    assert "dtsen/dtsen_20251201.csv: line 1: required column 'desil' missing" in year.outputs[0]
    assert year.published[0] == 0


def test_a_build_in_which_nobody_is_eligible_is_never_published(year):
    assert "quota.some_candidate_is_eligible" in year.outputs[1]
    assert year.published[1] == 0


def test_a_renamed_column_in_a_later_snapshot_leaves_the_year_as_it_was(year):
    assert "dtsen/dtsen_20260601.csv: line 1: required column 'desil' missing" in year.outputs[3]
    rejected = query(
        year.url, "select status from meta.load_manifest where file_name like %s", ("%dtsen_20260601.csv",)
    )
    assert rejected == [("REJECTED",)]
    assert year.calls() == year.calls_before == [(1, 1, 3, 1, "2026-04", 1)]
    assert query(year.url, "select count(*) from meta.publish_log") == [(1,)]
