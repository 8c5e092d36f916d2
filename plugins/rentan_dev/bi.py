"""Dashboards as code: Apache Superset in its own virtual environment, fed by bi/superset/.

Superset pins SQLAlchemy 1.4 and pandas 2.1, which cannot share an environment with Airflow 3,
so it lives in .venv-bi, installed from requirements-bi.lock, and this module drives it from
outside with subprocesses: the metadata database (SQLite under the Superset home), the admin
(who maintains the dashboards) and the analyst (who reads and explores them: Superset's Gamma
role and read access to the marts database, nothing else), the import of the repository's YAML
against the warehouse's BI login, and the web server, stopped with everything it started.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rentan.paths import REPO_ROOT

BI_DIR = REPO_ROOT / "bi"
ASSETS_DIR = BI_DIR / "superset"
CONFIG_FILE = BI_DIR / "superset_config.py"
IMPORTER = BI_DIR / "superset_import.py"
BI_LOCK = REPO_ROOT / "requirements-bi.lock"
BI_VENV = REPO_ROOT / ".venv-bi"
DEFAULT_HOME = Path(os.environ.get("RENTAN_BI_HOME") or REPO_ROOT / ".superset")
ADMIN = "admin"
ANALYST = "analis"  # Superset's Gamma role + read access to the marts database (superset_import.py)
BI_LOGIN = "rentan_bi_user"
BI_URL_ENV = "RENTAN_BI_URL"
WORKERS = int(os.environ.get("SUPERSET_WORKERS", "2"))
THREADS = 4
# Each worker process builds the whole Superset app at start: tens of seconds on a busy machine.
START_TIMEOUT_SECONDS = 300

log = logging.getLogger(__name__)


class BIError(RuntimeError):
    """Superset cannot be installed, prepared or started; the message says what to do."""


@dataclass
class Superset:
    """A Superset home (metadata, secret key, admin password) and the environment to run it in."""

    home: Path = DEFAULT_HOME
    venv: Path = BI_VENV

    @property
    def admin_password(self) -> str:
        return (self.home / "admin_password").read_text().strip()

    @property
    def analyst_password(self) -> str:
        return (self.home / "analyst_password").read_text().strip()

    def env(self, bi_url: str | None = None) -> dict[str, str]:
        env = {
            **os.environ,
            "SUPERSET_HOME": str(self.home),
            "SUPERSET_CONFIG_PATH": str(CONFIG_FILE),
            "FLASK_APP": "superset.app:create_app()",
            "PYTHONWARNINGS": "ignore",
        }
        env.pop("SUPERSET_SECRET_KEY", None)
        env.pop("SUPERSET_METADATA_URL", None)
        if bi_url:
            env[BI_URL_ENV] = bi_url
        if (self.home / "analyst_password").exists():
            env["RENTAN_BI_ANALYST"] = ANALYST
            env["RENTAN_BI_ANALYST_PASSWORD"] = self.analyst_password
        return env

    def bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)

    def _run(self, args: list[str], bi_url: str | None = None, what: str = "") -> str:
        result = subprocess.run(args, env=self.env(bi_url), capture_output=True, text=True, cwd=self.home)
        if result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
            raise BIError(f"{what or ' '.join(args[:2])} failed:\n{tail}")
        return result.stdout

    def prepare(self) -> None:
        """The home, its secret key and admin password (generated once), the metadata schema, the admin."""
        self.home.mkdir(parents=True, exist_ok=True)
        for name, make in (
            ("secret_key", lambda: secrets.token_urlsafe(42)),
            ("admin_password", lambda: secrets.token_urlsafe(12)),
            ("analyst_password", lambda: secrets.token_urlsafe(12)),
        ):
            path = self.home / name
            if not path.exists():
                path.write_text(make())
                path.chmod(0o600)
        self._run([self.bin("superset"), "db", "upgrade"], what="superset db upgrade")
        initialised = self.home / ".initialised"
        if not initialised.exists():
            # Roles and permissions, then the one admin; both once per home (slow, and idempotent anyway).
            self._run([self.bin("superset"), "init"], what="superset init")
            self._run(
                [
                    self.bin("superset"),
                    "fab",
                    "create-admin",
                    "--username",
                    ADMIN,
                    "--firstname",
                    "rentan",
                    "--lastname",
                    "admin",
                    "--email",
                    "admin@localhost",
                    "--password",
                    self.admin_password,
                ],
                what="superset fab create-admin",
            )
            initialised.touch()

    def import_assets(self, bi_url: str, assets: Path = ASSETS_DIR) -> str:
        """Import (overwrite) the repository's dashboards, pointing their database at bi_url; the analyst
        login (Gamma and the marts database) is created or updated in the same step."""
        return (
            self._run(
                [self.bin("python"), str(IMPORTER), str(assets), ADMIN], bi_url=bi_url, what="importing the dashboards"
            )
            .strip()
            .splitlines()[-1]
        )  # Superset prints its banner first, then the importer its summary

    def serve(self, port: int, bi_url: str | None = None, log: Path | None = None) -> subprocess.Popen:
        """gunicorn on 127.0.0.1:port; waits until healthy.

        bi_url (the BI login's warehouse URL) lets the chart-data cache read the published
        version (bi/superset_cache.py); without it nothing is cached. WORKERS processes, so a
        dashboard's chart requests use every core instead of queueing on one Python interpreter.
        """
        log_file = (log or self.home / "server.log").open("ab")
        process = subprocess.Popen(
            [
                self.bin("gunicorn"),
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(WORKERS),
                "--worker-class",
                "gthread",
                "--threads",
                str(THREADS),
                "--timeout",
                "120",
                "--graceful-timeout",
                "10",
                "--limit-request-line",
                "0",
                "--limit-request-field_size",
                "0",
                "superset.app:create_app()",
            ],
            env=self.env(bi_url),
            cwd=self.home,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() ends the workers with the master
        )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        try:
            return self._wait_until_healthy(process, port, deadline, log_file)
        except KeyboardInterrupt:  # stopped while starting: nothing is left running
            stop(process)
            raise

    def _wait_until_healthy(self, process: subprocess.Popen, port: int, deadline: float, log_file) -> subprocess.Popen:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                stop(process)
                raise BIError(f"Superset exited with status {process.returncode}: see {log_file.name}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                    if response.status == 200:
                        return process
            except OSError:
                time.sleep(0.5)
        stop(process)
        raise BIError(f"Superset did not answer on port {port} within {START_TIMEOUT_SECONDS} s: see {log_file.name}")


def ensure_venv(venv: Path = BI_VENV, lock: Path = BI_LOCK) -> Path:
    """Install .venv-bi from requirements-bi.lock unless it already holds exactly that lock."""
    marker = venv / ".installed"
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()
    if marker.exists() and marker.read_text() == digest:
        return venv
    uv = Path(sys.executable).with_name("uv")
    if not uv.exists():
        raise BIError(f"{uv} is missing: run `make install` first")
    steps = (
        []
        if (venv / "bin" / "python").exists()
        else [[str(uv), "venv", "--quiet", "--python", sys.executable, str(venv)]]
    )
    steps.append([str(uv), "pip", "sync", "--quiet", "--python", str(venv / "bin" / "python"), str(lock)])
    for step in steps:
        result = subprocess.run(step, capture_output=True, text=True)
        if result.returncode != 0:
            raise BIError(f"installing Superset into {venv} failed: {result.stderr.strip()[-2000:]}")
    marker.write_text(digest)
    return venv


def bi_url() -> str:
    """The warehouse URL of the BI login: RENTAN_BI_URL, else the embedded warehouse's rentan_bi_user."""
    if os.environ.get(BI_URL_ENV):
        return os.environ[BI_URL_ENV]
    if os.environ.get("WAREHOUSE_URL"):
        raise BIError(f"WAREHOUSE_URL is set: set {BI_URL_ENV} to that server's {BI_LOGIN} URL as well")
    from rentan.warehouse import warehouse_url
    from rentan.warehouse.embedded import EmbeddedWarehouse

    warehouse_url(start=True)  # the CLI may start the embedded server
    return EmbeddedWarehouse().url(login=BI_LOGIN)


def check_marts_readable(url: str) -> None:
    """The BI login can read the published marts (a warehouse where nothing is published yet cannot)."""
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=10) as conn:
            conn.execute("select version_label from marts.data_version").fetchone()
    except psycopg.errors.UndefinedTable as err:
        raise BIError(
            "the warehouse has no published marts.data_version yet: run `rentan demo` (or `rentan run`) first"
        ) from err
    except psycopg.OperationalError as err:
        raise BIError(f"cannot connect to the warehouse as {BI_LOGIN}: {err}".strip()) from err


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(port: int, home: Path = DEFAULT_HOME, url: str | None = None) -> tuple[Superset, subprocess.Popen]:
    """Everything `rentan bi` does before it waits: install, prepare, import, serve."""
    url = url or bi_url()
    check_marts_readable(url)
    ensure_venv()
    superset = Superset(home=home)
    superset.prepare()
    log.info(superset.import_assets(url))
    return superset, superset.serve(port, bi_url=url)


def stop(process: subprocess.Popen) -> None:
    """Stop a server serve() started and every process of its group (gunicorn's workers): SIGTERM
    (gunicorn finishes its requests), then SIGKILL for whatever is left after 30 s."""
    for sig, seconds in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        if not _group_alive(process.pid):
            break
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            process.poll()  # reaps the master once it exits
            if not _group_alive(process.pid):
                break
            time.sleep(0.2)
    process.wait()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@contextmanager
def stop_signals():
    """While `rentan bi` runs, SIGTERM and SIGHUP interrupt it like Ctrl-C (KeyboardInterrupt), so
    whatever it started is stopped whichever way it is asked to stop, during start-up too."""

    def _interrupt(signum, _frame):
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def serve_until_stopped(process: subprocess.Popen) -> int:
    """Wait for the server; an interrupt (stop_signals) stops it and every process it started."""
    try:
        return process.wait()
    except KeyboardInterrupt:
        stop(process)
        return 0
