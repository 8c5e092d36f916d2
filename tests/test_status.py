"""The pipeline-health views (V005) and `rentan status` on a real warehouse with a known history."""

from __future__ import annotations

import json

import pytest

from rentan.pipeline.status import print_status


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
    add_batch(conn, "dtsen", "dtsen_2025-11-30.csv", "REPLACED", "2025-11-30", 900, 10, "2025-12-01 01:00Z")
    add_batch(
        conn,
        "dtsen",
        "dtsen_2025-12-10.csv",
        "LOADED",
        "2025-12-10",
        1000,
        3,
        "2025-12-11 01:00Z",
        reasons=["INVALID_NIK", "INVALID_NIK", "DUPLICATE_NIK"],
    )
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


def test_status_prints_runs_feeds_quarantine_and_dbt_on_one_screen(history, capsys):
    print_status(history)
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert len(lines) <= 25
    assert any(line.split()[:2] == ["rentan_ingest", "SUCCESS"] and "scheduled__2" in line for line in lines)
    assert any(line.split()[:2] == ["rentan_transform", "FAILED"] for line in lines)
    dtsen = next(line for line in lines if line.strip().startswith("dtsen "))
    assert dtsen.split()[:3] == ["dtsen", "2025-12-10", "2025-12-11"] and "1,000" in dtsen
    assert "dukcapil_2025-12-12.csv (REJECTED)" in out
    assert "bpjs_iuran" in out and "never loaded" in out
    assert "top quarantine reasons: dtsen INVALID_NIK 2, dtsen DUPLICATE_NIK 1" in out
    assert "dbt: last build asset_triggered__2" in out and "2 failed" in out
    assert "error: model.rentan.eligibility" in out and "fail: test.rentan.unique_eligibility_nik" in out
    assert "slowest models: stg_dtsen__individuals 12.5s" in out
    assert "validation: no results yet" in out
    assert "published: nothing published yet" in out


def test_status_shows_the_last_validation_and_the_published_version(history, capsys):
    history.execute("""insert into audit.validation_results (run_id, suite, check_name, severity, success,
                           recorded_at) values
        ('v1', 'dedup', 'nik_unique_in_eligibility', 'fail', false, '2025-12-10 03:00Z'),
        ('v2', 'dedup', 'nik_unique_in_eligibility', 'fail', true, '2025-12-12 03:00Z'),
        ('v2', 'budget', 'cumulative_paid_within_budget', 'fail', false, '2025-12-12 03:00Z'),
        ('v2', 'budget', 'projected_year_end_within_budget', 'warn', false, '2025-12-12 03:00Z')""")
    history.execute("""insert into meta.publish_log (run_id, published_at, relations)
                       values ('v0', '2025-12-09 02:30Z', '{ops.eligibility}')""")
    print_status(history)
    out = capsys.readouterr().out
    assert "validation: last run v2 at 2025-12-12 03:00Z: 3 checks, FAILED, 1 failed, 1 warned" in out
    assert "failed: budget.cumulative_paid_within_budget" in out
    # a warning reads as a sentence; without the marts to count from, it still names what it is
    assert "  warning: projected year-end spend over budget (" in out
    assert "published: version 1, run v0, at 2025-12-09 02:30Z" in out


def test_status_on_an_empty_warehouse(conn, capsys):
    print_status(conn)
    out = capsys.readouterr().out
    assert "no run recorded yet" in out and "dbt: no build recorded yet" in out
    assert out.count("never loaded") == 4


def test_status_before_migrations_says_what_to_do(server_url, capsys):
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute("create database status_unmigrated")
    try:
        with psycopg.connect(server_url.rsplit("/", 1)[0] + "/status_unmigrated", autocommit=True) as bare:
            print_status(bare)
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute("drop database status_unmigrated with (force)")
    assert "not migrated yet" in capsys.readouterr().out
