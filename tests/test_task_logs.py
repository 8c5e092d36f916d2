"""rentan run's task logs go through Airflow's public listener interface (rentan.pipeline.task_logs).

tests/test_cli.py reads a task's own log from the file Airflow's UI reads after a real `rentan
run`; these check the plugin is found the way Airflow finds plugins, that it stays out of the way
in any other process, and what a task that failed before it ran leaves in its file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

pytestmark = pytest.mark.slow

TASK = SimpleNamespace(dag_id="rentan_transform", run_id="manual__x", task_id="dbt_build", map_index=-1, try_number=1)


def airflow_python(code: str, home) -> str:
    env = {**os.environ, "AIRFLOW_HOME": str(home), "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs")}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_airflow_finds_the_listener_through_the_packages_plugin_entry_point(tmp_path):
    found = airflow_python(
        "from airflow.sdk.listener import get_listener_manager\n"
        "from rentan.pipeline.task_logs import listener\n"
        "print(get_listener_manager().pm.is_registered(listener))",
        tmp_path,
    )
    assert found.strip() == "True"


def test_outside_rentan_run_the_listener_writes_nothing(tmp_path):
    airflow_python(
        "from types import SimpleNamespace as T\n"
        "from rentan.pipeline.task_logs import listener\n"
        f"ti = T(**{vars(TASK)!r})\n"
        "listener.on_task_instance_running(previous_state=None, task_instance=ti)\n"
        "listener.on_task_instance_failed(previous_state=None, task_instance=ti, error='boom')\n",
        tmp_path,
    )
    assert not (tmp_path / "logs").exists() or not any((tmp_path / "logs").rglob("*.log"))


def test_a_task_that_failed_before_it_ran_has_its_error_in_its_own_file(tmp_path):
    airflow_python(
        "from pathlib import Path\n"
        "from types import SimpleNamespace as T\n"
        "from rentan.pipeline.task_logs import listener\n"
        f"ti = T(**{vars(TASK)!r})\n"
        f"listener.route_process_logging(Path({str(tmp_path / 'run.log')!r}))\n"
        "listener.on_task_instance_failed(previous_state=None, task_instance=ti, "
        "error=\"'params' is undefined\")\n",
        tmp_path,
    )
    log = tmp_path / "logs" / "dag_id=rentan_transform/run_id=manual__x/task_id=dbt_build/attempt=1.log"
    [line] = [json.loads(text) for text in log.read_text().splitlines()]
    assert (line["level"], line["event"]) == ("error", "failed: 'params' is undefined")


def test_rentan_run_starts_without_airflow_home_in_the_environment(tmp_path):
    """A user's shell has no AIRFLOW_HOME: the runner sets it before the listener imports Airflow (the bench broke)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    code = (
        "from pathlib import Path; from rentan.pipeline import runner; "
        f"runner.airflow_home = lambda: Path({str(tmp_path)!r}); print(runner.start())"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == str(tmp_path / "logs" / "rentan-run.log")
