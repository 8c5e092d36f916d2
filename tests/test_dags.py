"""Every DAG imports cleanly and follows the team's policy (mozilla/telemetry-airflow style)."""

from __future__ import annotations

import pytest

from rentan.paths import DAGS_DIR
from rentan.pipeline.dag_policy import OWNER, notify_failure

EXPECTED_DAGS = {"rentan_ingest", "rentan_transform"}


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_DIR))


def test_dagbag_imports_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert EXPECTED_DAGS <= set(dagbag.dag_ids)


def test_every_dag_has_owner_tags_retries_callback_and_triage_notes(dagbag):
    for dag_id, dag in dagbag.dags.items():
        assert "rentan" in dag.tags, dag_id
        assert dag.doc_md and "Triage" in dag.doc_md, dag_id
        for task in dag.tasks:
            assert task.owner == OWNER, (dag_id, task.task_id)
            assert task.retries >= 1, (dag_id, task.task_id)
            assert task.retry_exponential_backoff, (dag_id, task.task_id)
            callbacks = task.on_failure_callback
            assert notify_failure in (callbacks if isinstance(callbacks, list) else [callbacks]), task.task_id


def test_ingest_maps_one_load_task_per_file_and_emits_an_asset_per_feed(dagbag):
    from rentan.pipeline.assets import RAW_ASSETS

    dag = dagbag.dags["rentan_ingest"]
    assert type(dag.get_task("load_file")).__name__.endswith("MappedOperator")
    outlets = {a.name for t in dag.tasks for a in t.outlets}
    assert outlets == {a.name for a in RAW_ASSETS.values()}


def test_transform_is_scheduled_on_the_raw_assets(dagbag):
    from rentan.pipeline.assets import RAW_ASSETS

    dag = dagbag.dags["rentan_transform"]
    scheduled_on = {a.name for a in dag.timetable.asset_condition.objects}
    assert scheduled_on == {a.name for a in RAW_ASSETS.values()}
