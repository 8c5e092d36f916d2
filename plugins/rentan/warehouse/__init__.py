"""Where the warehouse is: WAREHOUSE_URL, an Airflow connection, or the embedded default.

The embedded default is rentan.warehouse.embedded. Only the CLI starts it
(`warehouse_url(start=True)`): code that runs under Airflow never does, so a worker without a configured warehouse fails
with a ConfigurationError instead of writing personal data into a server of its own.

`connect` is how every step reaches the warehouse: a down server is retried for a few
seconds only (CONNECT_ATTEMPTS), a wrong URL, login or database not at all, and a server
older than PostgreSQL 16 is refused.
"""

from __future__ import annotations

import os
import re
import time
from urllib.parse import unquote

import psycopg
from psycopg.conninfo import conninfo_to_dict

from rentan.stopping import SESSION_OPTIONS
from rentan.warehouse.errors import ConfigurationError, WarehouseError

WAREHOUSE_ENV = "WAREHOUSE_URL"
AIRFLOW_CONN_ID = "rentan_warehouse"


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
    from rentan.warehouse.embedded import EmbeddedWarehouse

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
