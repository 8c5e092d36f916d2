"""`rentan status` and the pipeline-health views (V005) on a real warehouse with a known history,
and the DAG runs as a real Airflow metadata database recorded them (stand-in DAGs run with dag.test())."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from psycopg.types.json import Jsonb

from rentan.parameters import load_parameters
from rentan.pipeline.status import status_lines

BIN = Path(sys.executable).parent
STAND_INS = Path(__file__).parent / "airflow_status_dags"
RUN_STAND_INS = """
import json
from airflow.dag_processing.dagbag import DagBag

bag = DagBag()
ingest, transform = bag.get_dag("rentan_ingest"), bag.get_dag("rentan_transform")
runs = {
    "ingest_ok": ingest.test(run_conf={"fail": False}),
    "ingest_failed_1": ingest.test(run_conf={"fail": True}),
    "ingest_failed_2": ingest.test(run_conf={"fail": True}),
    "transform": transform.test(),
}
print(json.dumps({name: [run.run_id, str(run.state)] for name, run in runs.items()}))
"""


def add_batch(conn, feed, file_name, status, snapshot, loaded, quarantined, finished, reasons=()) -> int:
    batch_id = conn.execute(
        """insert into meta.load_manifest (feed, file_name, file_path, checksum, snapshot_date, status,
               rows_read, rows_loaded, rows_quarantined, error, run_id, started_at, finished_at)
           values (%s, %s, '/landing/' || %s, md5(%s), %s, %s, %s, %s, %s, %s, 'manual__1', %s, %s)
           returning batch_id""",
        (
            feed,
            file_name,
            file_name,
            file_name,
            snapshot,
            status,
            loaded + quarantined,
            loaded,
            quarantined,
            "line 3: bad quoting" if status == "REJECTED" else None,
            finished,
            finished,
        ),
    ).fetchone()[0]
    for line_no, reason in enumerate(reasons, start=2):
        conn.execute(
            "insert into meta.quarantine values (%s, %s, %s, 'nik', %s, 'raw,line')",
            (batch_id, line_no, reason, reason),
        )
    return batch_id


@pytest.fixture
def history(conn):
    """Two ingest runs, one rejected file, and two dbt builds of which the last failed."""
    first = add_batch(conn, "dtsen", "dtsen_2025-12-10.csv", "REPLACED", "2025-12-10", 900, 10, "2025-12-10 21:00Z")
    again = add_batch(
        conn,
        "dtsen",
        "dtsen_2025-12-10_corrected.csv",
        "LOADED",
        "2025-12-10",
        1000,
        3,
        "2025-12-11 01:00Z",
        reasons=["INVALID_NIK", "INVALID_NIK", "DUPLICATE_NIK"],
    )
    conn.execute("update meta.load_manifest set replaced_by = %s where batch_id = %s", (again, first))
    add_batch(conn, "dukcapil", "dukcapil_2025-12-10.csv", "LOADED", "2025-12-10", 5000, 0, "2025-12-11 01:05Z")
    add_batch(conn, "dukcapil", "dukcapil_2025-12-12.csv", "REJECTED", None, 0, 0, "2025-12-12 01:05Z")
    for run_id, finished in [("scheduled__1", "2025-12-11 01:10Z"), ("scheduled__2", "2025-12-12 01:10Z")]:
        conn.execute(
            "insert into meta.run_log values (%s, 'rentan_ingest', %s, %s)",
            (run_id, finished, json.dumps({"dtsen": {"files_loaded": 1}})),
        )
    builds = {
        "asset_triggered__1": [("model.rentan.eligibility", "model", "success", 4.0)],
        "asset_triggered__2": [
            ("model.rentan.stg_dtsen__individuals", "model", "success", 12.5),
            ("model.rentan.eligibility", "model", "error", 0.4),
            ("test.rentan.unique_eligibility_nik", "test", "fail", 0.2),
            ("test.rentan.not_null_eligibility_nik", "test", "pass", 0.1),
        ],
    }
    for i, (run_id, nodes) in enumerate(builds.items()):
        for unique_id, kind, status, seconds in nodes:
            conn.execute(
                """insert into audit.dbt_results (run_id, unique_id, resource_type, status, seconds, message,
                       recorded_at) values (%s, %s, %s, %s, %s, %s, %s)""",
                (run_id, unique_id, kind, status, seconds, f"{status} in {unique_id}", f"2025-12-1{i + 1} 02:00Z"),
            )
    return conn


def test_pipeline_health_has_a_row_per_dag_feed_and_the_last_dbt_run(history):
    rows = {
        (r[0], r[1]): r[2:]
        for r in history.execute(
            "select component, name, status, rows_loaded, rows_quarantined, detail from audit.pipeline_health"
        )
    }
    assert rows[("dag", "rentan_ingest")][0] == "SUCCESS"
    assert rows[("dag", "rentan_ingest")][3] == "scheduled__2"
    assert rows[("dag", "rentan_transform")][0] == "FAILED"
    assert rows[("feed", "dtsen")][:3] == ("LOADED", 1000, 3)  # the REPLACED batch is not current
    assert rows[("feed", "dukcapil")][:3] == ("REJECTED", 5000, 0)
    assert "1 rejected file(s), last file dukcapil_2025-12-12.csv" in rows[("feed", "dukcapil")][3]
    status, _, _, detail = rows[("dbt", "asset_triggered__2")]
    assert status == "FAILED"
    assert detail.startswith("2 failing of 4 nodes; slowest: model.rentan.stg_dtsen__individuals 12.500s")
    assert ("dbt", "asset_triggered__1") not in rows


def test_the_last_dbt_run_lists_failures_and_slowest_models(history):
    rows = history.execute("""select unique_id, is_failure, is_slowest_model from audit.health_dbt_last_run
                              order by unique_id""").fetchall()
    assert rows == [
        ("model.rentan.eligibility", True, True),
        ("model.rentan.stg_dtsen__individuals", False, True),
        ("test.rentan.unique_eligibility_nik", True, False),
    ]


def text(conn) -> str:
    return "\n".join(status_lines(conn, None)) + "\n"


def test_status_shows_feeds_quarantine_redeliveries_and_dbt_on_one_screen(history):
    out = text(history)
    lines = out.splitlines()
    assert len(lines) <= 25
    dtsen = next(line for line in lines if line.strip().startswith("dtsen "))
    assert dtsen.split()[:3] == ["dtsen", "2025-12-10", "2025-12-11"] and "1,000" in dtsen
    assert "dukcapil_2025-12-10.csv; last delivered dukcapil_2025-12-12.csv (REJECTED)" in out
    assert "bpjs_iuran" in out and "never loaded" in out
    assert "top quarantine reasons: dtsen INVALID_NIK 2, dtsen DUPLICATE_NIK 1" in out
    assert "re-deliveries: 1 file(s) replaced an earlier delivery of their snapshot\n" in out
    assert (
        "  dtsen 2025-12-10: dtsen_2025-12-10_corrected.csv replaced dtsen_2025-12-10.csv at 2025-12-11 01:00Z "
        "(run manual__1)\n" in out
    )
    assert "dbt: last build asset_triggered__2" in out and "2 failed" in out
    assert "error: model.rentan.eligibility" in out and "fail: test.rentan.unique_eligibility_nik" in out
    assert "slowest models: stg_dtsen__individuals 12.5s" in out
    assert "published: nothing published yet" in out
    # the last build was never validated: status says so, whatever an older run's validation said
    assert (
        "validation of the last transform run asset_triggered__2 (not published): did not run "
        "(no results for run asset_triggered__2)\n" in out
    )


def test_status_shows_the_published_version_its_inputs_and_the_validation_of_that_build(history):
    history.execute("""insert into audit.validation_results (run_id, suite, check_name, severity, success,
                           recorded_at) values
        ('v1', 'dedup', 'nik_unique_in_eligibility', 'fail', true, '2025-12-10 03:00Z'),
        ('v2', 'dedup', 'nik_unique_in_eligibility', 'fail', true, '2025-12-12 03:00Z'),
        ('v2', 'budget', 'cumulative_paid_within_budget', 'fail', true, '2025-12-12 03:00Z'),
        ('v2', 'budget', 'projected_year_end_within_budget', 'warn', false, '2025-12-12 03:00Z'),
        ('v3', 'budget', 'cumulative_paid_within_budget', 'fail', false, '2025-12-13 03:00Z')""")
    batches = dict(
        history.execute(
            "select feed, array_agg(batch_id order by batch_id) from meta.load_manifest "
            "where status = 'LOADED' group by feed"
        ).fetchall()
    )
    params = {**load_parameters(), "quota": 9000}
    inputs = {"batches": batches, "params": params, "project": "f" * 64, "key": "abc123def456", "reselect": False}
    history.execute(
        "insert into meta.publish_log (run_id, published_at, relations, inputs) values (%s, %s, %s, %s)",
        ("v2", "2025-12-12 04:00Z", ["ops.eligibility"], Jsonb(inputs)),
    )
    history.execute("""insert into audit.dbt_results (run_id, unique_id, resource_type, status, seconds, recorded_at)
                       values ('v3', 'model.rentan.eligibility', 'model', 'success', 1, '2025-12-13 02:00Z')""")
    out = text(history)
    assert "published: version 1, run v2, at 2025-12-12 04:00Z\n" in out
    assert "  parameters: quota=9000 (parameters.yml: 10000)\n" in out
    assert (
        "  files: dtsen 1 file(s), last dtsen_2025-12-10_corrected.csv, dukcapil 1 file(s), last "
        "dukcapil_2025-12-10.csv\n" in out
    )
    assert "  pseudonym key abc123def456, project ffffffffffff\n" in out
    # the validation of the published build (v2), not of the later run v3 nor the earlier v1
    assert "validation of that build: 3 checks, passed, 1 warned, 0 skipped\n" in out
    # a warning reads as a sentence; without the marts to count from, it still names what it is
    assert "  warning: projected year-end spend over budget (" in out
    assert (
        "validation of the last transform run v3 (not published): 1 checks, FAILED, 1 failed, 0 warned, 0 skipped\n"
        "  failed: budget.cumulative_paid_within_budget\n" in out
    )


def test_a_published_version_without_validation_results_never_reads_as_validated(history):
    history.execute("""insert into meta.publish_log (run_id, published_at, relations)
                       values ('v0', '2025-12-09 02:30Z', '{ops.eligibility}')""")
    out = text(history)
    assert "published: version 1, run v0, at 2025-12-09 02:30Z\n" in out
    assert "  built from: not recorded (published before meta.publish_log kept its inputs)\n" in out
    assert "validation of that build: did not run (no results for run v0)\n" in out


def test_status_on_an_empty_warehouse(conn):
    out = text(conn)
    assert "dbt: no build recorded yet" in out and "published: nothing published yet" in out
    assert out.count("never loaded") == 4
    assert "re-deliveries: none" in out and "validation of" not in out


def test_status_before_migrations_says_what_to_do(server_url):
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute("create database status_unmigrated")
    try:
        with psycopg.connect(server_url.rsplit("/", 1)[0] + "/status_unmigrated", autocommit=True) as bare:
            lines = status_lines(bare, None)
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute("drop database status_unmigrated with (force)")
    assert lines == ["the warehouse is not migrated yet: run `rentan run` (or any DAG) first"]


# -- the DAG runs, from Airflow's metadata database -------------------------------------------


@pytest.fixture(scope="module")
def airflow_record(tmp_path_factory) -> tuple[dict, dict]:
    """An Airflow home where rentan_ingest succeeded once then failed twice, rentan_transform failed
    in validate, and rentan_report never ran: the environment that points a process at it, and the runs."""
    home = tmp_path_factory.mktemp("status_airflow")
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(STAND_INS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }
    for command in ([str(BIN / "airflow"), "db", "migrate"], [sys.executable, "-c", RUN_STAND_INS]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return env, json.loads(done.stdout.strip().splitlines()[-1])


def rentan_status(env: dict, url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "rentan"), "status"], env={**env, "WAREHOUSE_URL": url}, capture_output=True, text=True, timeout=600
    )


def test_status_reads_the_last_run_of_each_dag_with_the_failed_tasks_and_their_messages(airflow_record, fresh_url):
    env, runs = airflow_record
    assert [state for _, state in runs.values()] == ["success", "failed", "failed", "failed"]
    done = rentan_status(env, fresh_url)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    lines = done.stdout.splitlines()
    ingest = lines.index(next(line for line in lines if line.startswith("  rentan_ingest ")))
    assert lines[ingest].split()[1] == "FAILED" and lines[ingest].endswith(runs["ingest_failed_2"][0])
    assert lines[ingest + 1 : ingest + 3] == [
        # the task's own message, first line only, from its `error` XCom
        "    failed: load_file[dtsen_20251210.csv]: dtsen/dtsen_20251210.csv line 3, column nik: not 16 digits",
        "    failed: rejected: see the task log",  # it left no `error` XCom
    ]
    assert re.fullmatch(r"    2 failed run\(s\) in a row; last success \d{4}-\d\d-\d\d \d\d:\d\dZ", lines[ingest + 3])
    transform = lines.index(next(line for line in lines if line.startswith("  rentan_transform ")))
    assert lines[transform].split()[1] == "FAILED" and lines[transform].endswith(runs["transform"][0])
    assert lines[transform + 1 : transform + 3] == [
        "    failed: validate: validation failed: budget.cumulative_paid_within_budget",
        "    not run (an upstream task failed): publish",
    ]
    assert "  rentan_report     never run" in lines
    assert (
        f"validation of the last transform run {runs['transform'][0]} (not published): no results "
        "(its validate task: failed)" in lines
    )


def test_status_with_no_airflow_run_yet(tmp_path, fresh_url):
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path / "airflow")}
    done = rentan_status(env, fresh_url)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    for dag_id in ("rentan_ingest", "rentan_transform", "rentan_report"):
        assert f"  {dag_id:<18}never run" in done.stdout.splitlines()
    assert not (tmp_path / "airflow" / "airflow.db").exists()  # reading created no database


def test_status_names_the_file_of_the_latest_snapshot_not_the_last_loaded(conn):
    """A May payment file re-delivered after October's: October's is the feed's latest file."""
    add_batch(conn, "bpjs_iuran", "bpjs_iuran_202605.csv", "REPLACED", "2026-05-01", 90, 0, "2026-06-01 01:00Z")
    add_batch(conn, "bpjs_iuran", "bpjs_iuran_202610.csv", "LOADED", "2026-10-01", 98, 0, "2026-11-01 01:00Z")
    add_batch(conn, "bpjs_iuran", "bpjs_iuran_202605.csv", "LOADED", "2026-05-01", 91, 0, "2026-11-02 01:00Z")
    line = next(line for line in text(conn).splitlines() if line.strip().startswith("bpjs_iuran "))
    assert line.split()[1] == "2026-10-01" and line.endswith(
        "bpjs_iuran_202610.csv; last delivered bpjs_iuran_202605.csv (LOADED)"
    )
