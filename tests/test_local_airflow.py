"""`rentan airflow` leaves no process behind when stopped with Ctrl-C (SIGINT) or SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from rentan.ingest.contracts import RAW_TABLES
from tests.helpers_dbt import query

RENTAN = str(Path(sys.executable).parent / "rentan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def live_processes() -> dict[int, tuple[int, int, str]]:
    """pid -> (parent pid, session id, start time) of every process that is not a zombie."""
    found = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:  # gone meanwhile
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if fields[0] != "Z":
                found[int(entry.name)] = (int(fields[1]), int(fields[3]), fields[19])
    return found


def started_by(pid: int) -> dict[int, str]:
    """Every process below `pid`, and every process in a session one of them leads: pid -> start time."""
    table = live_processes()
    found = {pid}
    while grown := {p for p, (ppid, _, _) in table.items() if ppid in found} - found:
        found |= grown
    found |= {p for p, (_, sid, _) in table.items() if sid in found}
    return {p: table[p][2] for p in found - {pid}}


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("airflow_home")


@pytest.mark.parametrize("stop_with", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_stopping_rentan_airflow_stops_every_process_it_started(stop_with, airflow_home, new_database):
    env = {**os.environ, "WAREHOUSE_URL": new_database, "AIRFLOW_HOME": str(airflow_home)}
    cli = subprocess.Popen(
        [RENTAN, "airflow", "--port", str(free_port())],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # like a shell job: Ctrl-C reaches the CLI only, not what it started
    )
    try:
        output = []
        while not any(line.startswith("Airflow is up") for line in output):
            line = cli.stdout.readline()
            assert line, f"rentan airflow ended before serving: {''.join(output)} {cli.stderr.read()}"
            output.append(line)
        # the DAGs' tasks never migrate: the raw tables they load into exist before they are served
        raw = query(new_database, "select tablename from pg_tables where schemaname = 'raw' order by 1")
        assert [name for (name,) in raw] == sorted(RAW_TABLES)
        started = started_by(cli.pid)
        # api-server, scheduler, dag-processor, triggerer, and the LocalExecutor workers and others they started
        assert len(started) > 8, started
        cli.send_signal(stop_with)
        assert cli.wait(timeout=120) == 0, cli.stderr.read()
    finally:
        if cli.poll() is None:
            cli.kill()
    sessions = set(started)
    left = {
        pid
        for pid, (_, sid, start) in live_processes().items()
        if started.get(pid) == start or (sid in sessions and sid != os.getsid(0))
    }
    assert left == set()
