"""The production stack's Airflow, on this machine: what docker-compose.yml runs, without Docker.

Airflow's own components (api-server, scheduler, dag-processor, triggerer) as child
processes, their metadata in PostgreSQL (a database `metadata_database` creates, never
SQLite), the LocalExecutor or the CeleryExecutor with Redis (`start_redis`) and workers
started by the caller (`start_worker`, e.g. inside a network namespace of `rentan_dev.hosts`).
`rentan year` and the production tests drive it; `rentan airflow` stays the laptop's UI.

Every process started here is stopped by `Stack.stop()` (the same process-tree rules as
`rentan airflow`: rentan_dev.local_airflow). The REST API is used as an operator would:
`trigger`, `clear_failed`, `runs`, `task_instances`, with a token of the admin login.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import psycopg

from rentan.paths import DAGS_DIR
from rentan_dev.local_airflow import ADMIN, LocalAirflow, _admin_password, _become_subreaper, _spawn

COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
AIRFLOW = str(Path(sys.executable).parent / "airflow")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def metadata_database(server_url: str, name: str | None = None) -> str:
    """A new database for Airflow's metadata on the PostgreSQL of `server_url`; its SQLAlchemy URL."""
    name = name or f"airflow_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'create database "{name}"')
    parts = urlsplit(server_url)
    return parts._replace(scheme="postgresql+psycopg2", path=f"/{name}").geturl()


PIPELINE_DAGS = ("rentan_ingest", "rentan_transform", "rentan_report")


def pipeline_dags(folder: Path, extra: tuple[Path, ...] = ()) -> Path:
    """A DAGs folder with the pipeline's DAG files (links to dags/) and `extra` files; not the nightly backup."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in [*(DAGS_DIR / f"{dag_id}.py" for dag_id in PIPELINE_DAGS), *extra]:
        (folder / path.name).symlink_to(path)
    return folder


@dataclass
class Stack:
    url: str  # the API server, as the test and the workers reach it
    home: Path
    env: dict[str, str]
    admin_password: str
    processes: LocalAirflow
    _token: str | None = field(default=None, repr=False)

    # -- processes ---------------------------------------------------------------------------
    def healthy(self, executor_components=("scheduler", "triggerer", "dag_processor")) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/api/v2/monitor/health", timeout=5) as response:
                health = json.load(response)
        except (OSError, ValueError):
            return False
        return all((health.get(p) or {}).get("status") == "healthy" for p in ("metadatabase", *executor_components))

    def wait_healthy(self, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while not self.healthy():
            if exited := self.processes.exited():
                raise RuntimeError(
                    f"Airflow component(s) stopped: {', '.join(exited)}: see {self.home}/logs/serve-*.log"
                )
            if time.monotonic() > deadline:
                raise TimeoutError(f"Airflow was not healthy within {timeout:g}s: see {self.home}/logs/serve-*.log")
            time.sleep(2)

    def spawn(self, name: str, command: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        """Start another process of the stack (Redis, a worker); stop() stops it with the rest."""
        _spawn(self.processes, name, command, env or self.env)
        return self.processes.processes[name]

    def stop(self, grace: float = 20) -> None:
        self.processes.stop(grace=grace)

    # -- the REST API, as an operator uses it ------------------------------------------------
    def api(self, method: str, path: str, body: dict | None = None) -> dict:
        if self._token is None:
            self._token = self._request("POST", "/auth/token", {"username": ADMIN, "password": self.admin_password})[
                "access_token"
            ]
        return self._request(method, path, body, {"Authorization": f"Bearer {self._token}"})

    def _request(self, method: str, path: str, body: dict | None, headers: dict | None = None) -> dict:
        request = urllib.request.Request(
            self.url + path,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json", **(headers or {})},
            method=method,
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read()
        except urllib.error.HTTPError as err:
            raise RuntimeError(f"{method} {path}: {err.code} {err.read().decode(errors='replace')[:500]}") from None
        return json.loads(text) if text else {}

    def trigger(self, dag_id: str, conf: dict | None = None) -> str:
        run = self.api("POST", f"/api/v2/dags/{dag_id}/dagRuns", {"logical_date": None, "conf": conf or {}})
        return run["dag_run_id"]

    def runs(self, dag_id: str) -> list[dict]:
        """Every run of `dag_id`, oldest first."""
        return self.api("GET", f"/api/v2/dags/{dag_id}/dagRuns?order_by=id&limit=100")["dag_runs"]

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        return self.api("GET", f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}/taskInstances?limit=200")[
            "task_instances"
        ]

    def tries(self, dag_id: str, run_id: str, task_id: str, map_index: int = -1) -> list[dict]:
        """Every try of one task instance (Airflow's history and the current one)."""
        path = f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}/taskInstances/{task_id}"
        if map_index >= 0:
            path += f"/{map_index}"
        return self.api("GET", f"{path}/tries")["task_instances"]

    def clear_failed(self, dag_id: str, run_id: str) -> None:
        """What on-call does once the cause is fixed: Clear the run's failed tasks, which run again."""
        self.api(
            "POST",
            f"/api/v2/dags/{dag_id}/clearTaskInstances",
            {"dry_run": False, "dag_run_id": run_id, "only_failed": True, "include_downstream": True},
        )

    def unpause(self, dag_id: str) -> None:
        self.api("PATCH", f"/api/v2/dags/{dag_id}?update_mask=is_paused", {"is_paused": False})

    def wait_for_dags(self, dag_ids, timeout: float = 300) -> None:
        """Until the dag-processor has parsed every DAG of `dag_ids` (they exist in the API)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                known = {d["dag_id"] for d in self.api("GET", "/api/v2/dags?limit=100")["dags"]}
            except RuntimeError:
                known = set()
            if set(dag_ids) <= known:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"DAGs not parsed within {timeout:g}s: {sorted(set(dag_ids) - known)}")
            time.sleep(2)


def start(
    *,
    home: Path,
    metadata_url: str,
    warehouse_url: str,
    settings: dict[str, str],
    dags_folder: Path = DAGS_DIR,
    executor: str = "LocalExecutor",
    api_host: str = "127.0.0.1",
    port: int | None = None,
) -> Stack:
    """Migrate the metadata database and start the four components; `settings` is the deployment's env."""
    home.mkdir(parents=True, exist_ok=True)
    port = port or free_port(api_host)
    url = f"http://{api_host}:{port}"
    passwords = home / "simple_auth_manager_passwords.json.generated"
    async_url = urlsplit(metadata_url)._replace(scheme="postgresql+psycopg").geturl()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "PYTEST", "OPENLINEAGE"))},
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__CORE__EXECUTOR": executor,
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Asia/Jakarta",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{url}/execution/",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url,
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": async_url,
        "AIRFLOW__API__HOST": api_host,
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": url,
        "AIRFLOW__API__WORKERS": "1",
        # their own ports: another stack (or `rentan airflow`) may run on this machine at the same time
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": str(free_port()),
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
        "AIRFLOW__API__SECRET_KEY": secrets.token_hex(32),
        "WAREHOUSE_URL": warehouse_url,
        "PYTHONWARNINGS": "ignore",
        **settings,
    }
    password = _admin_password(passwords)
    (home / "logs").mkdir(exist_ok=True)
    with open(home / "logs" / "serve-db-migrate.log", "wb") as log:
        done = subprocess.run([AIRFLOW, "db", "migrate"], env=env, stdout=log, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        raise RuntimeError(f"airflow db migrate failed: see {home / 'logs' / 'serve-db-migrate.log'}")
    _become_subreaper()
    stack = Stack(url, home, env, password, LocalAirflow(url, password, home))
    try:
        for name in COMPONENTS:
            stack.spawn(name, [AIRFLOW, name])
    except BaseException:
        stack.stop()
        raise
    return stack


def start_redis(stack: Stack, binds: list[str], port: int, password: str) -> None:
    """Debian's redis-server as the Celery broker: no persistence, a password, listening on `binds` only."""
    conf = stack.home / "redis.conf"
    conf.write_text(
        f'port {port}\nbind {" ".join(binds)}\nrequirepass {password}\nsave ""\nappendonly no\n'
        f"dir {stack.home}\nprotected-mode yes\n"
    )
    conf.chmod(0o600)
    stack.spawn("redis", ["redis-server", str(conf)])
    deadline = time.monotonic() + 30
    while True:
        with socket.socket() as s:
            if s.connect_ex((binds[0], port)) == 0:
                return
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"redis-server did not listen on {binds[0]}:{port}: see {stack.home}/logs/serve-redis.log"
            )
        time.sleep(0.2)
