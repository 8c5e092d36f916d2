"""Superset's configuration for rentan (SUPERSET_CONFIG_PATH points here).

Laptop (`rentan bi`): metadata in SQLite under SUPERSET_HOME (.superset/, git-ignored), the
secret key generated at first start into SUPERSET_HOME/secret_key. docker-compose: the
metadata URL and the secret key come from the environment. Nothing here is a secret.
"""

import csv
import os
import sqlite3
import sys
from pathlib import Path

from sqlalchemy.pool import QueuePool
from superset.utils.log import StdOutEventLogger

_HOME = Path(os.environ.get("SUPERSET_HOME", "."))

SECRET_KEY = os.environ.get("SUPERSET_SECRET_KEY") or (_HOME / "secret_key").read_text().strip()
SQLALCHEMY_DATABASE_URI = os.environ.get("SUPERSET_METADATA_URL") or f"sqlite:///{_HOME / 'superset.db'}"

# Numbers as Kota Bekasi's finance office writes them: 9.920, Rp2.000.000.000.
D3_FORMAT = {
    "decimal": ",",
    "thousands": ".",
    "grouping": [3],
    "currency": ["Rp", ""],
}
# Superset's own screens stay in English: Superset 6.1 ships no Indonesian translation (its
# translations folder has none), so BABEL_DEFAULT_LOCALE = "id" would fall back to English anyway.
# Everything the dashboards themselves show is Indonesian: titles, labels (from the marts'
# vocabulary columns), numbers (D3_FORMAT) and months (D3_TIME_FORMAT).
BABEL_DEFAULT_LOCALE = "en"


def _month_names() -> dict[str, list[str]]:
    """Month names from the warehouse's one vocabulary (dbt seed codes, domains month, month_short)."""
    seed = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds" / "codes.csv"
    with seed.open(newline="", encoding="utf-8") as f:
        rows = [row for row in csv.DictReader(f) if row["domain"] in ("month", "month_short")]
    names = {
        domain: [r["label"] for r in sorted(rows, key=lambda r: int(r["sort_order"])) if r["domain"] == domain]
        for domain in ("month", "month_short")
    }
    return {"months": names["month"], "shortMonths": names["month_short"]}


# Dates and months as Bekasi reads them: "Okt 2026", "31/10/2026".
D3_TIME_FORMAT = {
    "dateTime": "%A, %e %B %Y %X",
    "date": "%d/%m/%Y",
    "time": "%H.%M.%S",
    "periods": ["", ""],
    "days": ["Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"],
    "shortDays": ["Min", "Sen", "Sel", "Rab", "Kam", "Jum", "Sab"],
    **_month_names(),
}

# Chart data are cached per published version of the marts (superset_cache.py): a chart
# opened again reads its result from a file instead of running Superset's query pipeline, and
# a publish makes every older result unreachable within seconds, for all charts at once.
sys.path.insert(0, str(Path(__file__).resolve().parent))
CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
DATA_CACHE_CONFIG = {
    "CACHE_TYPE": "superset_cache.PublishedVersionCache",
    "CACHE_DIR": str(_HOME / "chart_data_cache"),
    "CACHE_DEFAULT_TIMEOUT": 7 * 24 * 3600,
    "CACHE_THRESHOLD": 2000,
}

# Superset's action log (who opened which chart) goes to the server's log, not to a table of
# the metadata database: writing it there cost three commits per chart request, a third of a
# cached chart's time. The dashboards show aggregates only; access to personal data is
# audited in the warehouse (docs/security.md).
EVENT_LOGGER = StdOutEventLogger()

# SQLite metadata (the laptop, the compose service's volume): Superset still writes to it when
# a dashboard opens (its filter state). In WAL mode with synchronous=NORMAL a commit is an
# append, not an fsync of the whole database, and readers do not wait for the writer; a pool
# keeps the connections open (closing the last one checkpoints the WAL).
if SQLALCHEMY_DATABASE_URI.startswith("sqlite"):
    SQLALCHEMY_ENGINE_OPTIONS = {
        "poolclass": QueuePool,
        "pool_size": 8,
        "connect_args": {"check_same_thread": False},
    }

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "connect")
    def _sqlite_wal(dbapi_connection, _record):
        if isinstance(dbapi_connection, sqlite3.Connection):
            cursor = dbapi_connection.cursor()
            cursor.execute("pragma journal_mode=wal")
            cursor.execute("pragma synchronous=normal")
            cursor.close()


# No example data, no outbound calls (only the package registries are reachable here).
SUPERSET_LOAD_EXAMPLES = False
THUMBNAILS = False
FEATURE_FLAGS = {"DASHBOARD_RBAC": False}
# Render every chart of a dashboard on open, not only those scrolled into view: the
# dashboards are short, and a screenshot or a load-time measurement sees all of them.
FEATURE_FLAGS["DASHBOARD_VIRTUALIZATION"] = False
