"""The CLI end to end, through Airflow itself, on a small generated landing area."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

RENTAN = str(Path(sys.executable).parent / "rentan")


def rentan(*args: str, url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "WAREHOUSE_URL": url}
    return subprocess.run([RENTAN, *args], env=env, capture_output=True, text=True, timeout=600)


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


def test_run_loads_every_feed_then_a_rerun_loads_nothing_new(generated, fresh_url, tmp_path):
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

    # the same parameters (other ones would re-rank an enrolled cohort: tests/test_cohort.py)
    second = rentan("run", "--landing", str(landing), "--params", str(params), url=fresh_url)
    assert second.returncode == 0, second.stdout + second.stderr
    assert f"nothing new to load: all {len(truth['files'])} files were loaded before" in second.stdout
    with psycopg.connect(fresh_url) as conn:
        assert conn.execute("select count(*) from meta.load_manifest").fetchone()[0] == len(truth["files"])
        capacity = conn.execute("select capacity, binding_constraint from marts.program_capacity").fetchone()
    assert capacity == (10000, "QUOTA")


def test_a_file_missing_a_column_fails_the_run_naming_file_and_column(fresh_url, tmp_path):
    landing = tmp_path / "landing"
    (landing / "dtsen").mkdir(parents=True)
    (landing / "dtsen" / "dtsen_20251201.csv").write_text("id_keluarga,nama\nK1,Siti\n")
    failed = rentan("run", "--landing", str(landing), url=fresh_url)
    assert failed.returncode == 1
    assert "dtsen/dtsen_20251201.csv: line 1: required column 'nik' missing" in failed.stderr
    with psycopg.connect(fresh_url) as conn:
        assert conn.execute("select status from meta.load_manifest").fetchall() == [("REJECTED",)]


def test_unknown_parameter_is_refused_before_anything_runs(fresh_url, tmp_path):
    params = tmp_path / "params.yml"
    params.write_text("quta: 5\n")
    refused = rentan("run", "--landing", str(tmp_path), "--params", str(params), url=fresh_url)
    assert refused.returncode == 2 and "unknown programme parameter 'quta'" in refused.stderr
