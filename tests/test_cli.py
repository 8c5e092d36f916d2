"""The CLI end to end, through Airflow itself, on a small generated landing area.

Outcomes are read where Airflow keeps them: the runs, task instances and XComs of its
metadata database (AIRFLOW_HOME/airflow.db), and the task logs where its UI reads them.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.factories import record_as_if_unchanged

RENTAN = str(Path(sys.executable).parent / "rentan")


def rentan(*args: str, url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "WAREHOUSE_URL": url}
    return subprocess.run([RENTAN, *args], env=env, capture_output=True, text=True, timeout=600)


def airflow_db() -> sqlite3.Connection:
    return sqlite3.connect(Path(os.environ["AIRFLOW_HOME"]) / "airflow.db")


def last_run(dag_id: str) -> tuple[str, str, dict[tuple[str, int], str]]:
    """The last run of a DAG: its run_id, its state and its task instances' states."""
    with airflow_db() as db:
        run_id, state = db.execute(
            "select run_id, state from dag_run where dag_id = ? order by id desc limit 1", (dag_id,)
        ).fetchone()
        rows = db.execute(
            "select task_id, map_index, state from task_instance where dag_id = ? and run_id = ?", (dag_id, run_id)
        ).fetchall()
    return run_id, state, {(task, index): task_state for task, index, task_state in rows}


def xcom(dag_id: str, run_id: str, key: str) -> dict[tuple[str, int], object]:
    with airflow_db() as db:
        rows = db.execute(
            "select task_id, map_index, value from xcom where dag_id = ? and run_id = ? and key = ?",
            (dag_id, run_id, key),
        ).fetchall()
    return {(task, index): json.loads(value) for task, index, value in rows}


def task_log(dag_id: str, run_id: str, task_id: str, map_index: int = -1, attempt: int = 1) -> list[dict]:
    """A task's log lines, from the file Airflow's UI reads (the default log_filename_template)."""
    mapped = f"map_index={map_index}/" if map_index >= 0 else ""
    path = (
        Path(os.environ["AIRFLOW_HOME"])
        / "logs"
        / f"dag_id={dag_id}/run_id={run_id}/task_id={task_id}/{mapped}attempt={attempt}.log"
    )
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, dict]:
    landing = tmp_path_factory.mktemp("cli") / "landing"
    done = subprocess.run(
        [RENTAN, "generate", "--out", str(landing), "--seed", "11", "--people", "2500"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return landing, json.loads((landing / "synth_truth.json").read_text())


def test_run_loads_every_feed_then_a_rerun_with_recheck_hashes_every_file_and_loads_nothing_new(
    generated, fresh_url, tmp_path
):
    landing, truth = generated
    params = tmp_path / "params.yml"
    params.write_text("coverage_start_month: '2026-02'\n")

    first = rentan("run", "--landing", str(landing), "--params", str(params), url=fresh_url)
    assert first.returncode == 0, first.stdout + first.stderr
    for feed in ("dtsen", "dukcapil", "bpjs_kepesertaan", "bpjs_iuran"):
        assert feed in first.stdout
    with psycopg.connect(fresh_url) as conn:
        loaded = dict(conn.execute("select file_name, rows_read from meta.load_manifest where status = 'LOADED'"))
        quarantined = dict(
            conn.execute(
                """select m.file_name || ':' || q.reason_code, count(*) from meta.quarantine q
               join meta.load_manifest m using (batch_id) group by 1"""
            )
        )
        capacity = conn.execute("select capacity, binding_constraint from marts.program_capacity").fetchone()
    assert loaded == {name: f["rows"] for name, f in truth["files"].items()}
    assert quarantined == {
        f"{name}:{reason}": n for name, f in truth["files"].items() for reason, n in f["quarantined"].items()
    }
    assert capacity == (10000, "QUOTA")  # the --params override reached dbt

    # every task of the three DAGs succeeded, as Airflow's metadata database says
    runs = {dag_id: last_run(dag_id) for dag_id in ("rentan_ingest", "rentan_transform", "rentan_report")}
    assert {dag_id: state for dag_id, (_, state, _) in runs.items()} == dict.fromkeys(runs, "success")
    ingest_run, _, ingest_tasks = runs["rentan_ingest"]
    assert set(ingest_tasks.values()) == {"success"}
    assert sum(task == "load_file" for task, _ in ingest_tasks) == len(truth["files"])
    assert runs["rentan_transform"][2] == dict.fromkeys(
        [("dbt_build", -1), ("validate", -1), ("publish", -1)], "success"
    )
    assert runs["rentan_report"][2] == {("build_report", -1): "success"}
    assert "rentan_report ... success" in first.stdout and "rekonsiliasi" in first.stdout
    # each task's own log is where the UI reads it
    labels = {index: name for (task, index), name in _rendered_names("rentan_ingest", ingest_run).items()}
    dtsen_index = next(index for index, name in labels.items() if name.startswith("dtsen/"))
    events = [line["event"] for line in task_log("rentan_ingest", ingest_run, "load_file", dtsen_index)]
    assert any(event.startswith(f"{labels[dtsen_index]}: ") and " loaded" in event for event in events), events

    # A wrong checksum recorded for every file as unchanged since: believed, every file would be new
    # (and rejected by the loader, whose hash of the bytes differs); --recheck reads every file again.
    with psycopg.connect(fresh_url) as conn:
        for name in truth["files"]:
            record_as_if_unchanged(conn, landing / name, "0" * 64)
    # the same parameters (other ones would re-rank an enrolled cohort: tests/test_cohort.py)
    second = rentan("run", "--landing", str(landing), "--params", str(params), "--recheck", url=fresh_url)
    assert second.returncode == 0, second.stdout + second.stderr
    assert f"nothing new to load: all {len(truth['files'])} files were loaded before" in second.stdout
    with psycopg.connect(fresh_url) as conn:
        assert conn.execute("select count(*) from meta.load_manifest").fetchone()[0] == len(truth["files"])
        recorded = conn.execute("select distinct checksum from meta.landing_checksums").fetchall()
        assert ("0" * 64,) not in recorded  # the recheck recorded what it found
        capacity = conn.execute("select capacity, binding_constraint from marts.program_capacity").fetchone()
    assert capacity == (10000, "QUOTA")


def _rendered_names(dag_id: str, run_id: str) -> dict[tuple[str, int], str]:
    with airflow_db() as db:
        rows = db.execute(
            "select task_id, map_index, rendered_map_index from task_instance where dag_id = ? and run_id = ?",
            (dag_id, run_id),
        ).fetchall()
    return {(task, index): name for task, index, name in rows if index >= 0}


def test_a_file_missing_a_column_fails_the_run_printing_the_tasks_own_message(fresh_url, tmp_path):
    landing = tmp_path / "landing"
    (landing / "dtsen").mkdir(parents=True)
    (landing / "dtsen" / "dtsen_20251201.csv").write_text("id_keluarga,nama\nK1,Siti\n")
    failed = rentan("run", "--landing", str(landing), url=fresh_url)
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    message = "dtsen/dtsen_20251201.csv: line 1: required columns 'nik', 'desil', 'pekerjaan_utama' missing"
    assert f"load_file[dtsen/dtsen_20251201.csv]: {message}" in failed.stderr
    assert "rentan_transform" not in failed.stdout  # a failed ingest stops the run
    run_id, state, tasks = last_run("rentan_ingest")
    assert state == "failed"
    assert {task: tasks[(task, index)] for task, index in tasks} == {
        "discover": "success",
        "load_file": "failed",
        "summarize": "success",
        "rejected": "failed",
        **{f"emit_{feed}": "skipped" for feed in ("dtsen", "dukcapil", "bpjs_kepesertaan", "bpjs_iuran")},
    }
    errors = xcom("rentan_ingest", run_id, "error")  # what `rentan status` reads
    assert errors[("load_file", 0)].startswith(message)
    assert (
        f"not loaded, tried again on the next run once fixed: dtsen/dtsen_20251201.csv ({message}"
        in (errors[("rejected", -1)])
    )
    with psycopg.connect(fresh_url) as conn:
        assert conn.execute("select status from meta.load_manifest").fetchall() == [("REJECTED",)]


def test_unknown_parameter_is_refused_before_anything_runs(fresh_url, tmp_path):
    params = tmp_path / "params.yml"
    params.write_text("quta: 5\n")
    refused = rentan("run", "--landing", str(tmp_path), "--params", str(params), url=fresh_url)
    assert refused.returncode == 2 and "unknown programme parameter 'quta'" in refused.stderr
