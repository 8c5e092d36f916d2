"""Fail fast: `rentan run` and `rentan check` refuse a bad configuration in one sentence per problem,
before anything runs (no file in the load manifest, no Airflow run, not even Airflow's database)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.test_faults_run import postgres_15  # noqa: F401 (a fixture: a real PostgreSQL 15)

RENTAN = str(Path(sys.executable).parent / "rentan")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def run(tmp_path, landing):
    """`rentan <command>` in a fresh Airflow home with a valid configuration, but for what `change` says."""
    airflow_home = tmp_path / "airflow"

    def rentan(*args: str, url: str, **change: str | None) -> subprocess.CompletedProcess:
        env = {**os.environ, "WAREHOUSE_URL": url, "AIRFLOW_HOME": str(airflow_home)}
        env.update(change)
        env = {name: value for name, value in env.items() if value is not None}
        done = subprocess.run([RENTAN, *args], env=env, capture_output=True, text=True, timeout=300)
        assert "Traceback" not in done.stderr
        return done

    rentan.airflow_home = airflow_home
    return rentan


def nothing_ran(run, url: str | None = None) -> bool:
    """No Airflow database was even created, and (when the warehouse is reachable) no file reached the manifest."""
    if url is not None:
        with psycopg.connect(url) as conn:
            assert conn.execute("select count(*) from meta.load_manifest").fetchone()[0] == 0
    return not (run.airflow_home / "airflow.db").exists()


def test_a_good_configuration_passes_the_check(run, fresh_url, landing):
    done = run("check", "--landing", str(landing), url=fresh_url)
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(
        r"configuration OK: warehouse 127\.0\.0\.1:\d+/t_\w+ \(PostgreSQL 1[6-9][.\d]*\S*\); pseudonym key "
        rf"[0-9a-f]{{12}}; landing {re.escape(str(landing))}; parameters\.yml\n",
        done.stdout,
    )
    assert nothing_ran(run, fresh_url)


@pytest.mark.slow
def test_an_unreachable_warehouse(run, landing):
    port = free_port()
    done = run("run", "--landing", str(landing), url=f"postgresql://rentan:secret@127.0.0.1:{port}/rentan")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"rentan: cannot reach the warehouse at 127.0.0.1:{port}/rentan (3 tries): connection to server at "
        f'"127.0.0.1", port {port} failed: Connection refused: start the server, or point WAREHOUSE_URL at one '
        "that runs\n"
    )
    assert nothing_ran(run)


def test_a_server_older_than_postgresql_16(run, postgres_15, landing):  # noqa: F811
    done = run("run", "--landing", str(landing), url=postgres_15)
    assert (done.returncode, done.stdout) == (2, "")
    assert re.fullmatch(
        r"rentan: the warehouse at 127\.0\.0\.1:\d+/postgres runs PostgreSQL 15; rentan needs PostgreSQL 16 or "
        r"newer \(the loader's checks use pg_input_is_valid\): upgrade the server or point the URL at another\n",
        done.stderr,
    )
    assert nothing_ran(run)
    with psycopg.connect(postgres_15) as conn:  # not migrated either
        assert conn.execute("select to_regclass('meta.load_manifest')").fetchone()[0] is None


def test_no_pseudonym_key(run, fresh_url, landing, tmp_path):
    missing = tmp_path / "secrets" / "pseudonym.key"
    done = run(
        "run",
        "--landing",
        str(landing),
        url=fresh_url,
        RENTAN_PSEUDONYM_KEY=None,
        RENTAN_PSEUDONYM_KEY_FILE=str(missing),
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"rentan: RENTAN_PSEUDONYM_KEY_FILE names {missing}, which is not a file: point it at the pseudonym key "
        "file, or set RENTAN_PSEUDONYM_KEY\n"
    )
    assert nothing_ran(run, fresh_url)


def test_a_landing_folder_that_does_not_exist(run, fresh_url, tmp_path):
    done = run("run", "--landing", str(tmp_path / "landng"), url=fresh_url)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"rentan: the landing folder {tmp_path / 'landng'} does not exist: give --landing the folder that holds "
        "the feed folders (dtsen, dukcapil, bpjs_kepesertaan, bpjs_iuran)\n"
    )
    assert nothing_ran(run, fresh_url)


def test_invalid_programme_parameters(run, fresh_url, landing, tmp_path):
    params = tmp_path / "params.yml"
    params.write_text("quota: ten\n")
    done = run("run", "--landing", str(landing), "--params", str(params), url=fresh_url)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"rentan: --params {params}: programme parameter quota='ten' is not of the form int\n"
    assert nothing_ran(run, fresh_url)


@pytest.mark.slow
def test_every_problem_is_one_line_in_one_go(run, tmp_path):
    port = free_port()
    params = tmp_path / "params.yml"
    params.write_text("quota: [9000\n")
    done = run(
        "check",
        "--landing",
        str(tmp_path / "params.yml"),
        "--params",
        str(params),
        url=f"postgresql://rentan@127.0.0.1:{port}/rentan",
        RENTAN_PSEUDONYM_KEY=None,
        RENTAN_PSEUDONYM_KEY_FILE=str(tmp_path / "no.key"),
    )
    assert (done.returncode, done.stdout) == (2, "")
    lines = done.stderr.splitlines()
    assert [line.split(":")[1].strip() for line in lines] == [
        "cannot reach the warehouse at 127.0.0.1",
        "RENTAN_PSEUDONYM_KEY_FILE names " + str(tmp_path / "no.key") + ", which is not a file",
        f"the landing path {params} is a file, not a folder",
        f"--params {params} is not valid YAML at line 2, column 1",
    ]
    assert nothing_ran(run)
