"""Every DAG imports cleanly and follows the team's policy (mozilla/telemetry-airflow style)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from rentan.paths import DAGS_DIR
from rentan.pipeline.dag_policy import OWNER, notify_failure, record_error

EXPECTED_DAGS = {"rentan_ingest", "rentan_transform", "rentan_report", "rentan_backup"}
# What a DAG file must not import when it is parsed (the scheduler parses every file every few
# minutes): the tasks import these when they run.
HEAVY_MODULES = ("matplotlib", "openpyxl", "great_expectations", "dbt", "pandas", "psycopg")


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_DIR))


def test_dagbag_imports_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert EXPECTED_DAGS <= set(dagbag.dag_ids)


@pytest.mark.slow
def test_each_dag_file_parses_in_under_a_second_without_importing_heavy_modules():
    """As the dag-processor parses a file: in a fresh interpreter that has Airflow's own modules
    loaded (it pre-imports them), never the project's; Airflow's own per-file parse time."""
    program = (
        "import json, sys, pathlib\n"
        "import airflow.sdk, airflow.serialization.serialized_objects, airflow.providers.standard.decorators.python\n"
        "from airflow.dag_processing.dagbag import DagBag\n"
        "stats, errors = {}, []\n"
        f"for path in sorted(pathlib.Path({str(DAGS_DIR)!r}).glob('*.py')):\n"
        "    bag = DagBag(dag_folder=str(path))\n"
        "    stats[path.name] = bag.dagbag_stats[0].duration.total_seconds()\n"
        "    errors += list(bag.import_errors)\n"
        f"heavy = sorted(m for m in {HEAVY_MODULES!r} if m in sys.modules)\n"
        "print(json.dumps({'stats': stats, 'heavy': heavy, 'errors': errors}))\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    parsed = json.loads(done.stdout.strip().splitlines()[-1])
    assert parsed["errors"] == [] and parsed["heavy"] == []
    assert set(parsed["stats"]) == {f"{dag_id}.py" for dag_id in EXPECTED_DAGS}
    slow = {file: seconds for file, seconds in parsed["stats"].items() if seconds >= 1.0}
    assert slow == {}, f"DAG files that take a second or more to parse: {slow}"


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
            retry_callbacks = task.on_retry_callback
            retry_callbacks = retry_callbacks if isinstance(retry_callbacks, list) else [retry_callbacks]
            assert record_error in retry_callbacks, task.task_id  # a try's error is kept before the retry


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
