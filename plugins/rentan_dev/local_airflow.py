"""`rentan airflow`: the real Airflow UI and scheduler on this machine, for the project's DAGs.

Runs Airflow's own components (api-server, scheduler, dag-processor, triggerer) as child
processes with the same home as the CLI (`.airflow/`, SQLite metadata, LocalExecutor),
listening on 127.0.0.1 only, with the DAGs pointed at the given warehouse. Not for
production: docker-compose.yml is. Logs of each component go to `.airflow/logs/serve-*.log`.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from rentan.pipeline.runner import airflow_env, ensure_metadata_db

COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
ADMIN = "admin"


@dataclass
class LocalAirflow:
    url: str
    admin_password: str
    home: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def healthy(self) -> bool:
        """True when the API answers and the scheduler, dag-processor and triggerer heartbeat."""
        try:
            with urllib.request.urlopen(f"{self.url}/api/v2/monitor/health", timeout=5) as response:
                health = json.load(response)
        except (OSError, ValueError):
            return False
        parts = ("metadatabase", "scheduler", "triggerer", "dag_processor")
        return all((health.get(p) or {}).get("status") == "healthy" for p in parts)

    def exited(self) -> list[str]:
        return [name for name, process in self.processes.items() if process.poll() is not None]

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM each component's process group (Airflow forks), then SIGKILL what is left."""
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in self.processes.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def start(warehouse_url: str, port: int = 8080) -> LocalAirflow:
    """Start the components in the background; the caller stops them (LocalAirflow.stop)."""
    url = f"http://127.0.0.1:{port}"
    env = airflow_env(warehouse_url)
    env.update(
        {
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__BASE_URL": url,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{url}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN}:admin",
        }
    )
    home = Path(env["AIRFLOW_HOME"])
    ensure_metadata_db(env)
    passwords_file = home / "simple_auth_manager_passwords.json.generated"
    env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"] = str(passwords_file)
    password = _admin_password(passwords_file)
    airflow = Path(sys.executable).parent / "airflow"
    local = LocalAirflow(url, password, home)
    (home / "logs").mkdir(parents=True, exist_ok=True)
    for name in COMPONENTS:
        with open(home / "logs" / f"serve-{name}.log", "ab") as log:
            local.processes[name] = subprocess.Popen(
                [str(airflow), name], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
    return local


def serve(warehouse_url: str, port: int = 8080, ready_timeout: float = 300) -> int:
    """Run Airflow until Ctrl-C; print the URL and the admin login once it is healthy."""
    local = start(warehouse_url, port)
    try:
        print(
            f"starting Airflow (api-server, scheduler, dag-processor, triggerer); logs: {local.home / 'logs'}",
            flush=True,
        )
        deadline = time.monotonic() + ready_timeout
        while not local.healthy():
            if local.exited() or time.monotonic() > deadline:
                print(
                    f"Airflow did not start ({', '.join(local.exited()) or 'timed out'}): see "
                    f"{local.home / 'logs'}/serve-*.log",
                    file=sys.stderr,
                )
                return 1
            time.sleep(2)
        print(
            f"Airflow is up: {local.url}\n  login: {ADMIN} / {local.admin_password}\n"
            f"  DAGs write to the warehouse at {_without_password(warehouse_url)}\nCtrl-C stops it.",
            flush=True,
        )
        while not local.exited():
            time.sleep(2)
        print(f"an Airflow component stopped: {', '.join(local.exited())}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("stopping Airflow ...", flush=True)
        return 0
    finally:
        local.stop()


def _admin_password(password_file: Path) -> str:
    """The admin's password for Airflow's SimpleAuthManager, generated once and kept (mode 600)."""
    passwords = json.loads(password_file.read_text()) if password_file.exists() else {}
    if ADMIN not in passwords:
        passwords[ADMIN] = secrets.token_urlsafe(12)
        password_file.write_text(json.dumps(passwords) + "\n")
    password_file.chmod(0o600)
    return passwords[ADMIN]


def _without_password(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts._replace(netloc=f"{parts.username}@{parts.hostname}:{parts.port}").geturl() if parts.password else url
