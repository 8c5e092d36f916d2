"""`rentan airflow`: the real Airflow UI and scheduler on this machine, for the project's DAGs.

Runs Airflow's own components (api-server, scheduler, dag-processor, triggerer) as child
processes with the same home as the CLI (`.airflow/`, SQLite metadata, LocalExecutor),
listening on 127.0.0.1 only, with the DAGs pointed at the given warehouse. Not for
production: docker-compose.yml is. Logs of each component go to `.airflow/logs/serve-*.log`.

Stopping leaves nothing behind: each component starts in a session of its own, and Airflow's
own children (api-server workers, LocalExecutor workers, task processes, which put
themselves in process groups of their own) stay in that session; Ctrl-C, SIGTERM or SIGHUP
to `rentan airflow` sends SIGTERM to every process of those sessions and to every
descendant, and SIGKILL to whatever is left after a grace period. The CLI is a child
subreaper, so a descendant orphaned on the way is still its own to find; and a component
gets SIGTERM if the CLI dies without stopping it (kill -9).
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
from collections.abc import Callable
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

    def stop(self, grace: float = 30) -> None:
        """SIGTERM every process the components started, then SIGKILL what is left after `grace` seconds."""
        sessions = {process.pid for process in self.processes.values()}
        _signal_all(_started_by(sessions), signal.SIGTERM)
        deadline = time.monotonic() + grace
        while _started_by(sessions) and time.monotonic() < deadline:
            self._reap()
            time.sleep(0.2)
        for _ in range(50):  # SIGKILL cannot be refused; a process that forks meanwhile is caught next round
            if not (left := _started_by(sessions)):
                break
            _signal_all(left, signal.SIGKILL)
            time.sleep(0.1)
            self._reap()

    def _reap(self) -> None:
        """Collect the exit status of the components and of any orphan adopted as subreaper (no zombies)."""
        for process in self.processes.values():
            process.poll()
        try:
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass
        except ChildProcessError:
            pass


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
    _become_subreaper()
    passwords_file = home / "simple_auth_manager_passwords.json.generated"
    env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"] = str(passwords_file)
    password = _admin_password(passwords_file)
    airflow = Path(sys.executable).parent / "airflow"
    local = LocalAirflow(url, password, home)
    (home / "logs").mkdir(parents=True, exist_ok=True)
    try:
        for name in COMPONENTS:
            _spawn(local, name, [str(airflow), name], env)
    except BaseException:  # Ctrl-C half-way: stop what did start
        local.stop()
        raise
    return local


def _spawn(local: LocalAirflow, name: str, command: list[str], env: dict) -> None:
    with open(local.home / "logs" / f"serve-{name}.log", "ab") as log:
        local.processes[name] = subprocess.Popen(
            command,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_terminate_with_parent,
        )


def serve(warehouse_url: str, say: Callable[..., None], port: int = 8080, ready_timeout: float = 300) -> int:
    """Run Airflow until Ctrl-C, SIGTERM or SIGHUP; `say` (the CLI's print) the URL and login once it is healthy."""
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    for sig in previous:  # SIGINT too: a CLI started with SIGINT ignored (a parent's choice) still stops on Ctrl-C
        signal.signal(sig, _interrupt)
    local = None
    try:
        local = start(warehouse_url, port)
        say(
            f"starting Airflow (api-server, scheduler, dag-processor, triggerer); logs: {local.home / 'logs'}",
            flush=True,
        )
        deadline = time.monotonic() + ready_timeout
        while not local.healthy():
            if local.exited() or time.monotonic() > deadline:
                say(
                    f"Airflow did not start ({', '.join(local.exited()) or 'timed out'}): see "
                    f"{local.home / 'logs'}/serve-*.log",
                    file=sys.stderr,
                )
                return 1
            time.sleep(2)
        say(
            f"Airflow is up: {local.url}\n  login: {ADMIN} / {local.admin_password}\n"
            f"  DAGs write to the warehouse at {_without_password(warehouse_url)}\nCtrl-C stops it.",
            flush=True,
        )
        while not local.exited():
            time.sleep(2)
        say(f"an Airflow component stopped: {', '.join(local.exited())}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        say("stopping Airflow ...", flush=True)
        return 0
    finally:
        # Stopping takes a while: a second Ctrl-C or SIGTERM must not cut it short.
        for sig in previous:
            signal.signal(sig, signal.SIG_IGN)
        if local is not None:
            local.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _interrupt(signum, frame) -> None:
    """Ctrl-C, SIGTERM and SIGHUP all stop Airflow the same way."""
    raise KeyboardInterrupt


# -- finding every process the components started (Linux /proc) ---------------------------

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36


def _prctl(option: int, value: int) -> None:
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)


def _become_subreaper() -> None:
    """Orphaned descendants are re-parented to this process, not to init: stop() still finds them."""
    _prctl(PR_SET_CHILD_SUBREAPER, 1)


def _terminate_with_parent() -> None:
    """In the child, before exec: SIGTERM when the CLI dies, even by SIGKILL."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def processes() -> dict[int, tuple[int, int, str]]:
    """Every live process: pid -> (parent pid, session id, state), from /proc/<pid>/stat."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
        found[int(entry.name)] = (int(fields[1]), int(fields[3]), fields[0])
    return found


def descendants(roots: set[int], table: dict[int, tuple[int, int, str]] | None = None) -> set[int]:
    """The live (not zombie) processes in the sessions `roots` lead, and every descendant of `roots`."""
    table = processes() if table is None else table
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found = {pid for pid, (_, sid, _) in table.items() if sid in roots}
    todo = [*roots, *found]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return {pid for pid in found if table[pid][2] != "Z"}


def _started_by(sessions: set[int]) -> set[int]:
    return descendants(sessions) - {os.getpid()}


def _signal_all(pids: set[int], sig: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


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
