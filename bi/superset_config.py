"""Superset's configuration for rentan (SUPERSET_CONFIG_PATH points here).

Laptop (`rentan bi`): metadata in SQLite under SUPERSET_HOME (.superset/, git-ignored), the
secret key generated at first start into SUPERSET_HOME/secret_key. docker-compose: the
metadata URL and the secret key come from the environment. Nothing here is a secret.
"""

import os
from pathlib import Path

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
BABEL_DEFAULT_LOCALE = "en"

# Dashboards read published marts that change once a run: no result cache is needed for
# correctness, and a stale cache would show an old version. The browser gets fresh data.
CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}

# No example data, no outbound calls (only the package registries are reachable here).
SUPERSET_LOAD_EXAMPLES = False
THUMBNAILS = False
FEATURE_FLAGS = {"DASHBOARD_RBAC": False}
# Render every chart of a dashboard on open, not only those scrolled into view: the
# dashboards are short, and a screenshot or a load-time measurement sees all of them.
FEATURE_FLAGS["DASHBOARD_VIRTUALIZATION"] = False
