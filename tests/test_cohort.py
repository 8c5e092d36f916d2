"""The selected cohort is a decision: once participants are enrolled, a build that would change who is
selected (or their ranks) is refused with how many and why, unless the run says `--reselect "reason"`,
which starts a new era of the decision ledger; a capacity below the participants holding a slot is
refused naming the months; a raised capacity keeps the cohort. Runs through the transform steps
(build, validate, publish) on a generated landing area."""

from __future__ import annotations

import pytest

from rentan.parameters import load_parameters
from rentan.validate.data_docs import DATA_DOCS_ENV
from rentan.wap.failures import TransformFailed
from tests.helpers_dbt import load_landing, migrated_database, publish_run, query

synth = pytest.importorskip("rentan_dev.synth")

PEOPLE = 1500
QUOTA = 40


def run(run_id: str, overrides: dict, reselect: str | None = None) -> dict:
    """Build, validate and publish; the publication, or the TransformFailed message."""
    try:
        return publish_run(run_id, overrides, reselect)
    except TransformFailed as failed:
        return {"failed": str(failed)}


def selected(url: str) -> list[tuple]:
    return query(url, "select nik, priority_rank from ops.eligibility where is_selected order by priority_rank")


def check(url: str, run_id: str, name: str, suite: str = "cohort") -> tuple:
    return query(
        url,
        """select success, details from audit.validation_results
                         where run_id = %s and suite = %s and check_name = %s""",
        (run_id, suite, name),
    )[0]


@pytest.fixture(scope="module")
def warehouse(server_url, tmp_path_factory):
    """A warehouse whose first published version has enrolled participants."""
    landing = tmp_path_factory.mktemp("cohort_landing")
    synth.generate(landing, seed=5, people=PEOPLE, params=load_parameters({"quota": QUOTA}))
    with pytest.MonkeyPatch.context() as env, migrated_database(server_url, prefix="t_cohort") as url:
        env.setenv("WAREHOUSE_URL", url)
        env.setenv(DATA_DOCS_ENV, str(tmp_path_factory.mktemp("data_docs")))
        load_landing(url, landing)
        first = run("first", {"quota": QUOTA})
        assert "failed" not in first, first
        yield url


def test_the_first_selection_is_recorded_and_participants_are_enrolled(warehouse):
    assert len(selected(warehouse)) == QUOTA
    assert query(warehouse, "select count(*) > 0 from ops.enrollment where kpj is not null") == [(True,)]
    assert query(warehouse, "select kind, selected, joined from audit.cohort_decisions") == [
        ("SELECTION", QUOTA, QUOTA)
    ]


def test_a_rule_change_that_reranks_is_refused_with_how_many_and_why(warehouse):
    before = selected(warehouse)
    outcome = run("stricter", {"quota": QUOTA, "max_age": 45})
    assert "cohort.cohort_unchanged" in outcome["failed"]
    success, details = check(warehouse, "stricter", "cohort_unchanged")
    error = details["error"]
    assert success is False
    assert "parameter max_age 65 -> 45" in error and "--reselect" in error
    leave = int(error.split(" leave the cohort")[0].rsplit(" ", 1)[1])
    assert leave > 0
    assert selected(warehouse) == before  # nothing published


def test_a_capacity_below_the_participants_is_refused_naming_the_months(warehouse):
    before = selected(warehouse)
    outcome = run("cut", {"quota": QUOTA - 10})
    assert "quota.decisions_within_capacity" in outcome["failed"]
    success, details = check(warehouse, "cut", "decisions_within_capacity", suite="quota")
    holding = query(warehouse, "select count(*) from ops.enrollment where status <> 'EXITED'")[0][0]
    assert success is False and str(holding) in str(details) and str(QUOTA - 10) in str(details)
    assert selected(warehouse) == before


def test_a_raised_capacity_keeps_the_cohort_and_calls_the_waiting_list(warehouse):
    before = selected(warehouse)
    outcome = run("raised", {"quota": QUOTA + 10})
    assert "failed" not in outcome, outcome
    assert selected(warehouse) == before
    assert query(warehouse, "select capacity from marts.program_capacity") == [(QUOTA + 10,)]
    # the ten new places are slots for the waiting list, called in waiting-list order
    called = query(
        warehouse,
        """select r.waitlist_rank, e.source from ops.replacement_list as r
                                 join ops.enrollment as e on e.nik = r.nik
                                 where r.replaces_nik is null order by r.call_order""",
    )
    assert len(called) == 10 and {source for _, source in called} == {"REPLACEMENT"}
    assert [rank for rank, _ in called] == sorted(rank for rank, _ in called)


def test_a_called_replacement_stays_called_whatever_a_later_snapshot_says(warehouse, tmp_path):
    """Only death ends participation: a BPJS check that now shows an employer's cover does not un-call them."""
    nik, call_order = query(warehouse, "select nik, call_order from ops.replacement_list order by call_order")[0]
    assert query(warehouse, "select call_order from history.calls where nik = %s", (nik,)) == [(call_order,)]
    landing = tmp_path / "landing"
    (landing / "bpjs_kepesertaan").mkdir(parents=True)
    (landing / "bpjs_kepesertaan" / "bpjs_kepesertaan_20261125.csv").write_text(
        "nik,kpj,nama,segmen,sumber_iuran,status_kepesertaan,tgl_kepesertaan,tgl_nonaktif\n"
        f"{nik},99000001,X,PU,PEMBERI_KERJA,AKTIF,2026-11-01,\n"
    )
    load_landing(warehouse, landing)
    outcome = run("later", {"quota": QUOTA + 10, "snapshot_min_ratio": 0.0})
    assert "failed" not in outcome, outcome
    recheck = query(warehouse, "select recheck_reasons from ops.person_case_waitlist where nik = %s", (nik,))
    assert recheck and "ALREADY_COVERED" in recheck[0][0]
    assert query(warehouse, "select call_order from ops.replacement_list where nik = %s", (nik,)) == [(call_order,)]
    assert query(warehouse, "select source from ops.enrollment where nik = %s", (nik,)) == [("REPLACEMENT",)]


def test_reselect_is_the_decision_that_changes_the_cohort_and_is_kept_in_audit(warehouse):
    before = selected(warehouse)
    outcome = run("decided", {"quota": QUOTA, "max_age": 45}, reselect="Keputusan Wali Kota: usia sampai 45 tahun")
    assert "failed" not in outcome, outcome
    after = selected(warehouse)
    assert after != before
    kind, reason, joined, left = query(
        warehouse,
        """select kind, reason, joined, left_cohort
                                                     from audit.cohort_decisions where run_id = 'decided'""",
    )[0]
    assert (kind, reason) == ("RESELECT", "Keputusan Wali Kota: usia sampai 45 tahun")
    assert left == len({nik for nik, _ in before} - {nik for nik, _ in after}) > 0
    assert joined == len({nik for nik, _ in after} - {nik for nik, _ in before})
    # a new era of the ledger: the earlier era's calls stay in history, the new era starts its own
    era, kind = query(warehouse, "select era, kind from history.eras order by era desc limit 1")[0]
    assert kind == "RESELECT" and era > 1
    assert query(warehouse, "select count(*) > 0 from history.calls where era < %s", (era,)) == [(True,)]
    listed = query(warehouse, "select nik from ops.replacement_list order by call_order")
    assert listed == query(warehouse, "select nik from history.calls where era = %s order by call_order", (era,))
