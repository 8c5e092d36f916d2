"""Run the pipeline's DAGs through Airflow itself (`airflow dags test`), for the CLI.

Airflow's home is `.airflow/` in the repo (git-ignored) unless AIRFLOW_HOME is set; its
metadata database is SQLite there. Each DAG's full Airflow log goes to a file, and the
CLI shows where it is.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from rentan.paths import DAGS_DIR, REPO_ROOT


@dataclass(frozen=True)
class DagRunOutcome:
    dag_id: str
    success: bool
    log_file: Path
    errors: list[str]


def airflow_env(warehouse_url: str) -> dict[str, str]:
    home = Path(os.environ.get("AIRFLOW_HOME", REPO_ROOT / ".airflow"))
    env = dict(os.environ)
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": os.environ.get("AIRFLOW__CORE__DAGS_FOLDER", str(DAGS_DIR)),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "WAREHOUSE_URL": warehouse_url,
            "PYTHONWARNINGS": "ignore",
        }
    )
    return env


def _airflow(env: dict, *args: str, log_file: Path) -> int:
    airflow = Path(sys.executable).parent / "airflow"
    with open(log_file, "w") as log:
        return subprocess.run([str(airflow), *args], env=env, stdout=log, stderr=subprocess.STDOUT).returncode


def ensure_metadata_db(env: dict) -> None:
    home = Path(env["AIRFLOW_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    marker = home / ".rentan-db-migrated"
    if not marker.exists():
        if _airflow(env, "db", "migrate", log_file=home / "db-migrate.log") != 0:
            raise RuntimeError(f"airflow db migrate failed: see {home / 'db-migrate.log'}")
        marker.touch()


def test_dag(dag_id: str, conf: dict, warehouse_url: str) -> DagRunOutcome:
    """Run one DAG to completion with `airflow dags test`; success = every task succeeded."""
    env = airflow_env(warehouse_url)
    ensure_metadata_db(env)
    log_file = Path(env["AIRFLOW_HOME"]) / "logs" / f"{dag_id}.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    code = _airflow(env, "dags", "test", dag_id, "-c", json.dumps(conf), log_file=log_file)
    errors = [
        line.strip()
        for line in log_file.read_text(errors="replace").splitlines()
        if "AirflowFailException" in line
        or "FileRejected" in line
        or "TransformFailed" in line
        or line.startswith(("ValueError", "RuntimeError"))
    ]
    return DagRunOutcome(dag_id, code == 0, log_file, errors)
