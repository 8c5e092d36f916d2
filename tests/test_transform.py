"""The transform DAG: dbt_build >> validate >> publish, the marts asset from publish only, and two
real runs through Airflow (`airflow dags test`, as `rentan run` does): one that publishes and
emits the asset, one whose parameters shrink the budget below what was already paid."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import psycopg
import pytest

from rentan.parameters import load_parameters
from rentan.paths import DAGS_DIR
from rentan.pipeline.assets import MARTS_ASSET
from rentan.pipeline.runner import run_dag
from rentan.validate.data_docs import DATA_DOCS_ENV
from rentan.warehouse import connect
from tests.helpers_dbt import load_landing, migrated_database
from tests.test_validation import PEOPLE, reader_logins

synth = pytest.importorskip("rentan_dev.synth")


def test_the_dag_builds_then_validates_then_publishes_and_only_publish_emits_the_marts_asset():
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(DAGS_DIR)).dags["rentan_transform"]
    assert dag.get_task("dbt_build").downstream_task_ids == {"validate"}
    assert dag.get_task("validate").downstream_task_ids == {"publish"}
    outlets = {task.task_id: [asset.name for asset in task.outlets] for task in dag.tasks}
    assert outlets == {"dbt_build": [], "validate": [], "publish": [MARTS_ASSET.name]}
    assert "Triage" in dag.doc_md and "audit.validation_results" in dag.doc_md


def marts_events() -> list[dict]:
    """The `rentan.marts` asset events in the Airflow metadata database of this test session."""
    with sqlite3.connect(Path(os.environ["AIRFLOW_HOME"]) / "airflow.db") as db:
        rows = db.execute(
            """select e.extra from asset_event as e join asset as a on a.id = e.asset_id
                             where a.name = ? order by e.id""",
            (MARTS_ASSET.name,),
        ).fetchall()
    return [json.loads(extra) for (extra,) in rows]


@pytest.fixture(scope="module")
def first_run(server_url, tmp_path_factory):
    """A loaded warehouse and a first transform run through Airflow: yields (url, its outcome)."""
    landing = tmp_path_factory.mktemp("dag_landing")
    synth.generate(landing, seed=7, people=PEOPLE, params=load_parameters())
    with pytest.MonkeyPatch.context() as env, migrated_database(server_url, prefix="t_dag") as url:
        env.setenv(DATA_DOCS_ENV, str(tmp_path_factory.mktemp("data_docs")))
        load_landing(url, landing)
        yield url, run_dag("rentan_transform", {"program_parameters": {}}, url)


def test_a_passing_run_publishes_and_emits_the_marts_asset(first_run):
    url, outcome = first_run
    assert outcome.success, outcome.errors
    with connect(url) as conn:
        version, run_id = conn.execute("select version, run_id from meta.publish_log").fetchone()
        assert conn.execute("select count(*) from ops.eligibility").fetchone()[0] > 0
        (summary,) = conn.execute("select summary from meta.run_log where dag_id = 'rentan_transform'").fetchone()
        assert summary["published_version"] == version and set(summary["seconds"]) == {"build", "validate", "publish"}
        checks = conn.execute(
            "select count(*) from audit.validation_results where run_id = %s and suite <> 'dbt'", (run_id,)
        ).fetchone()[0]
    assert marts_events()[-1] == {"version": version, "run_id": run_id}
    log = outcome.task_logs()
    assert f"validation: {checks} checks" in log and "published version 1" in log
    assert "Calculating Metrics" not in log  # GX's progress bars stay out of the task log


def test_a_budget_cut_below_the_slot_holders_fails_the_run_naming_check_and_month_and_keeps_the_last_version(
    first_run,
):
    url, _ = first_run
    events_before = marts_events()
    with connect(url) as conn:
        paid = conn.execute("select sum(signed_iuran_idr) from staging.stg_bpjs__payments").fetchone()[0]
    budget = int(paid) - 1  # less than was paid already: the capacity it buys cannot hold the participants
    with reader_logins(url) as logins, psycopg.connect(logins["rentan_bi"], autocommit=True) as bi:
        before = bi.execute("select budget_idr, capacity from marts.program_capacity").fetchone()
        outcome = run_dag("rentan_transform", {"program_parameters": {"budget_idr": budget}}, url)
        assert bi.execute("select budget_idr, capacity from marts.program_capacity").fetchone() == before
    assert not outcome.success
    assert any("quota.decisions_within_capacity" in line for line in outcome.errors), outcome.errors
    assert "FAILED quota.decisions_within_capacity (" in outcome.task_logs()
    assert '"period": "2026-12-01"' in outcome.task_logs()  # the months over the capacity are named
    with connect(url) as conn:
        assert conn.execute("select max(version) from meta.publish_log").fetchone() == (1,)
    assert marts_events() == events_before
