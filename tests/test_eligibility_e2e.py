"""End to end on generated data: synthetic extracts -> loader -> dbt build -> the truth of the generator.

The generator (rentan_dev.synth) computes eligibility and ranking with an independent
implementation of program-rules.md sections 3-4; the warehouse must agree with it.
A small quota makes a waiting list exist.
"""

from __future__ import annotations

import hashlib

import pytest

from rentan.parameters import load_parameters
from rentan.transform import dbt_runner
from tests.helpers_dbt import load_landing, migrated_database, query, query_one

PEOPLE = 4000
QUOTA = 200
RANKS = "select nik, priority_rank, is_selected, waitlist_rank from ops.eligibility order by nik"

synth = pytest.importorskip("rentan_dev.synth")


@pytest.fixture(scope="module")
def params():
    return load_parameters({"quota": QUOTA})


@pytest.fixture(scope="module")
def truth_and_url(server_url, tmp_path_factory, params):
    landing = tmp_path_factory.mktemp("synth_landing")
    truth = synth.generate(landing, seed=7, people=PEOPLE, params=params)
    with migrated_database(server_url) as url:
        load_landing(url, landing)
        run = dbt_runner.build(url, params, unit_tests=False)
        assert run.success, run.summary()
        yield truth, url


def ranked_niks(url: str) -> list[str]:
    ranked = query(url, "select nik from ops.eligibility where is_eligible order by priority_rank")
    return [nik for (nik,) in ranked]


def test_truth_has_a_waiting_list(truth_and_url):
    truth, _ = truth_and_url
    assert truth["capacity"] == QUOTA and truth["waitlist"] > 0


def test_candidates_and_reason_counts_match_the_truth(truth_and_url):
    truth, url = truth_and_url
    expected = truth["eligibility"]
    assert query(url, "select count(*) from ops.eligibility") == [(expected["candidates"],)]
    counts = dict(query(url, "select reason_code, candidates_with_reason from marts.eligibility_reason_counts"))
    assert counts == expected["reasons"]
    combinations = dict(query(url, "select reasons, count(*) from ops.eligibility group by reasons"))
    assert combinations == expected["reason_sets"]


def test_eligible_selected_and_waitlist_counts_match_the_truth(truth_and_url):
    truth, url = truth_and_url
    counts = query(
        url,
        """select count(*) filter (where is_eligible), count(*) filter (where is_selected),
                                  count(waitlist_rank), max(waitlist_rank) from ops.eligibility""",
    )
    eligible, selected, waitlist = truth["eligibility"]["eligible"], truth["selected"], truth["waitlist"]
    assert counts == [(eligible, selected, waitlist, waitlist)]


def test_ranking_matches_the_truth(truth_and_url):
    truth, url = truth_and_url
    ranked = ranked_niks(url)
    assert ranked[:20] == truth["top_ranked_niks"]
    assert ranked[truth["capacity"] : truth["capacity"] + 20] == truth["top_waitlist_niks"]
    assert hashlib.sha256("\n".join(ranked).encode()).hexdigest() == truth["ranking_sha256"]
    selected = sorted(nik for (nik,) in query(url, "select nik from ops.eligibility where is_selected"))
    assert hashlib.sha256("\n".join(selected).encode()).hexdigest() == truth["selected_sha256"]


def test_duplicate_niks_are_listed(truth_and_url):
    truth, url = truth_and_url
    assert query(url, "select count(*) from ops.dq_dtsen_duplicate_nik") == [(truth["dtsen_duplicate_niks"],)]


def test_program_capacity_matches_the_truth(truth_and_url):
    truth, url = truth_and_url
    row = query_one(url, "select * from marts.program_capacity")
    premium = truth["premium"]
    assert (row["monthly_premium_idr"], row["annual_premium_idr"], row["months_covered"]) == (
        premium["monthly_premium_idr"],
        premium["annual_premium_idr"],
        premium["months_covered"],
    )
    assert (row["capacity"], row["binding_constraint"]) == (truth["capacity"], premium["binding_constraint"])
    assert (row["eligible_count"], row["selected_count"], row["waitlist_count"]) == (
        truth["eligibility"]["eligible"],
        truth["selected"],
        truth["waitlist"],
    )
    assert query(url, "select count(*) from ops.registration_list") == [(truth["selected"],)]


def test_a_second_build_on_the_same_inputs_gives_the_same_ranks(truth_and_url, params):
    _, url = truth_and_url
    before = query(url, RANKS)
    run = dbt_runner.build(url, params, select="+eligibility", unit_tests=False)
    assert run.success, run.summary()
    after = query(url, RANKS)
    assert after == before
