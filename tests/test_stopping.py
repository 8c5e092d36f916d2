"""Issue 23, case 1: a run stops when told, in every phase, and nothing outlives it.

Real signals to a real `rentan run` process group (started in a session of its own, as a
shell starts a job): SIGINT during COPY, SIGINT during the dbt build, SIGTERM during the
publish, `kill -9` during the dbt build; then the next run starts clean and publishes.
Under the scheduler a task's SIGTERM (or SIGKILL) ends its dbt child too.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import psycopg
import pytest

from rentan.parameters import load_parameters
from rentan.validate.data_docs import DATA_DOCS_ENV
from rentan.warehouse import locks
from tests.factories import DTSEN_HEADER
from tests.helpers_dbt import migrated_database

synth = pytest.importorskip("rentan_dev.synth")

RENTAN = str(Path(sys.executable).parent / "rentan")
PEOPLE = 2500
BIG_DTSEN_ROWS = 400_000  # a file whose COPY takes long enough to be stopped in the middle


def wait_for(what: str, condition, timeout: float = 240.0, every: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def dbt_processes() -> list[psutil.Process]:
    """dbt processes of this test process's runs (their --target-path is under RENTAN_DBT_DIR)."""
    mine = os.environ["RENTAN_DBT_DIR"]
    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if "dbt.cli.main" in cmdline and mine in cmdline:
            found.append(process)
    return found


def sessions(url: str) -> list[tuple]:
    """Every other session on the test database: (pid, application_name, state, query)."""
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(
            """select pid, application_name, state, left(query, 60) from pg_stat_activity
               where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'"""
        ).fetchall()


def start_run(url: str, landing: Path) -> subprocess.Popen:
    """`rentan run` as a shell job: a process group of its own, which the test signals as a terminal would."""
    return subprocess.Popen(
        [RENTAN, "run", "--landing", str(landing)],
        env={**os.environ, "WAREHOUSE_URL": url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def finish(run: subprocess.Popen, timeout: float = 60) -> tuple[int, str, str]:
    out, err = run.communicate(timeout=timeout)
    return run.returncode, out, err


def descendants_gone(run: subprocess.Popen, children: list[psutil.Process]) -> bool:
    return all(not child.is_running() or child.status() == psutil.STATUS_ZOMBIE for child in children)


def query(url: str, sql: str) -> list[tuple]:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(sql).fetchall()


def airflow_runs(dag_id: str) -> list[tuple]:
    with sqlite3.connect(Path(os.environ["AIRFLOW_HOME"]) / "airflow.db") as db:
        return db.execute("select run_id, state from dag_run where dag_id = ? order by id", (dag_id,)).fetchall()


def airflow_note(run_id: str) -> str | None:
    with sqlite3.connect(Path(os.environ["AIRFLOW_HOME"]) / "airflow.db") as db:
        row = db.execute(
            "select n.content from dag_run_note n join dag_run r on r.id = n.dag_run_id where r.run_id = ?", (run_id,)
        ).fetchone()
    return row[0] if row else None


@pytest.fixture(scope="module")
def warehouse(server_url, tmp_path_factory):
    landing = tmp_path_factory.mktemp("stop_landing")
    synth.generate(landing, seed=7, people=PEOPLE, params=load_parameters())
    with pytest.MonkeyPatch.context() as env, migrated_database(server_url, prefix="t_stop") as url:
        env.setenv(DATA_DOCS_ENV, str(tmp_path_factory.mktemp("data_docs")))
        yield url, landing


def test_sigint_during_copy_stops_at_once_rolls_the_file_back_and_exits_130(warehouse, tmp_path):
    url, landing = warehouse
    big = landing / "dtsen" / "dtsen_20251115.csv"  # loaded first: the feed's files go in name order
    with big.open("w") as f:
        f.write(DTSEN_HEADER + "\n")
        for i in range(BIG_DTSEN_ROWS):
            nik = f"3275014101{i % 1000000:06d}"
            f.write(f"K{i},{nik},3275010101900001,Siti Aminah,ISTRI,P,01-01-1990,3275011001,3,X\n")
    try:
        run = start_run(url, landing)
        wait_for("the COPY of the big file", lambda: any(q and q.lower().startswith("copy") for *_, q in sessions(url)))
        children = psutil.Process(run.pid).children(recursive=True)
        os.killpg(run.pid, signal.SIGINT)
        started = time.monotonic()
        code, out, err = finish(run)
        assert time.monotonic() - started < 30
    finally:
        big.unlink()
    assert code == 130, err
    assert "stopped by SIGINT (Ctrl-C)" in err and "nothing was published" in err and "Traceback" not in err
    assert "KeyboardInterrupt" not in out + err
    wait_for("the run's processes to end", lambda: descendants_gone(run, children), timeout=10)
    wait_for("the run's sessions to end", lambda: not sessions(url), timeout=15)
    # The stage in progress was rolled back: no manifest row, no partition of the big file.
    assert query(url, "select count(*) from meta.load_manifest where file_name = 'dtsen/dtsen_20251115.csv'") == [(0,)]
    assert query(url, "select count(*) from meta.publish_log") == [(0,)]
    (run_id, state), *_ = airflow_runs("rentan_ingest")[-1:]
    assert state == "failed" and "stopped by SIGINT" in airflow_note(run_id)
    assert query(url, f"select dag_id, signal from meta.run_stops where run_id = '{run_id}'") == [
        ("rentan_ingest", "SIGINT (Ctrl-C)")
    ]
    # Nothing was retried: the one load that was running has one try.
    with sqlite3.connect(Path(os.environ["AIRFLOW_HOME"]) / "airflow.db") as db:
        assert db.execute("select max(try_number) from task_instance where run_id = ?", (run_id,)).fetchone() == (1,)


def test_sigint_during_the_dbt_build_kills_dbt_and_exits_130(warehouse):
    url, landing = warehouse
    run = start_run(url, landing)
    (dbt,) = wait_for("dbt to start", dbt_processes)
    os.killpg(run.pid, signal.SIGINT)
    code, _, err = finish(run)
    assert code == 130, err
    assert "stopped by SIGINT (Ctrl-C)" in err and "rentan_transform run" in err
    wait_for("dbt to end", lambda: not dbt_processes(), timeout=10)
    wait_for("the run's sessions to end", lambda: not sessions(url), timeout=15)
    assert query(url, "select count(*) from meta.publish_log") == [(0,)]
    assert airflow_runs("rentan_transform")[-1][1] == "failed"


def test_kill_9_during_the_dbt_build_leaves_nothing_running(warehouse):
    url, landing = warehouse
    run = start_run(url, landing)
    wait_for("dbt to start", dbt_processes)
    worker_and_dbt = psutil.Process(run.pid).children(recursive=True)
    assert worker_and_dbt
    os.kill(run.pid, signal.SIGKILL)
    run.wait(timeout=10)
    wait_for("the worker and dbt to die with it", lambda: descendants_gone(run, worker_and_dbt), timeout=10)
    assert not dbt_processes()
    # Its sessions (dbt's queries included) end within PostgreSQL's client check: no lock outlives it.
    wait_for("the killed run's sessions to end", lambda: not sessions(url), timeout=20)


def test_sigterm_during_publish_publishes_nothing_then_the_next_run_starts_clean(warehouse):
    url, landing = warehouse
    stale = airflow_runs("rentan_transform")[-1]
    assert stale[1] == "running"  # the run killed with -9 above
    with locks.stage_lock(url, "publish", "test-holder"):  # the run's publish waits here, inside its task
        run = start_run(url, landing)
        wait_for(
            "the run's publish to wait for the stage",
            lambda: any(name.startswith("rentan publish manual__") for _, name, *_ in sessions(url)),
            timeout=400,
            every=0.5,
        )
        os.killpg(run.pid, signal.SIGTERM)
        code, out, err = finish(run)
    assert code == 143, err
    assert "stopped by SIGTERM" in err and "nothing was published" in err
    assert "rentan_transform ... " in out and "Traceback" not in out + err
    assert query(url, "select count(*) from meta.publish_log") == [(0,)]
    assert airflow_runs("rentan_transform")[-1][1] == "failed"
    assert dict(airflow_runs("rentan_transform"))[stale[0]] == "failed"  # the killed run was closed by this one

    code, out, err = finish(start_run(url, landing), timeout=600)
    assert code == 0, out + err
    assert query(url, "select count(*) from meta.publish_log") == [(1,)]


def test_a_tasks_sigterm_or_sigkill_under_the_scheduler_ends_its_dbt(tmp_path):
    """The task process Airflow's supervisor signals: its dbt child goes with it, whatever the signal."""
    program = textwrap.dedent(
        """
        import signal, sys
        from rentan.transform import dbt_runner

        def terminated(signum, frame):  # what Airflow's task runner does on SIGTERM: raise in the task
            raise SystemExit(143)

        signal.signal(signal.SIGTERM, terminated)
        # A dbt that takes its time (a city's build): the same process handling, a minute of work.
        dbt_runner.DBT_COMMAND = (sys.executable, "-c", "import time; time.sleep(60)  # dbt.cli.main")
        print("started", flush=True)
        dbt_runner.run_dbt(["build"], "postgresql://nobody@127.0.0.1:9/none", {})
        """
    )
    for sent in (signal.SIGTERM, signal.SIGKILL):
        task = subprocess.Popen([sys.executable, "-c", program], stdout=subprocess.PIPE, text=True)
        assert task.stdout.readline().strip() == "started"
        (dbt,) = wait_for("dbt to start", dbt_processes, timeout=60)
        task.send_signal(sent)
        task.wait(timeout=30)
        wait_for(f"dbt to end after {sent.name}", lambda d=dbt: not d.is_running() or d.status() == "zombie", 10)


def test_after_a_failed_build_the_cli_reports_the_run_not_the_published_version(warehouse, capsys):
    """Issue 23 case 8: "validation ... PASSED" and the published capacity were printed after a failed dbt build."""
    from rentan import cli
    from rentan.pipeline.runner import DagRunOutcome, TaskOutcome
    from rentan.warehouse import connect

    url, _ = warehouse
    ((version, published_run),) = query(url, "select version, run_id from meta.publish_log")
    failed = DagRunOutcome(
        "rentan_transform",
        "manual__failed",
        "failed",
        1.0,
        [
            TaskOutcome("dbt_build", -1, "failed", error="dbt build failed: model.x"),
            TaskOutcome("validate", -1, "upstream_failed"),
            TaskOutcome("publish", -1, "upstream_failed"),
        ],
    )
    with connect(url) as conn:
        cli._print_dag_summary(conn, failed, since=0)
    out = capsys.readouterr().out
    assert "PASSED" not in out
    assert "  validation manual__failed: did not run (dbt_build failed): not published" in out
    assert f"  this run published nothing; the version in force is {version} (run {published_run}):" in out
