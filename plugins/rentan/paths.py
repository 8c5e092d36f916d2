"""Where the project's files live, so no module guesses a path of its own."""

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parents[1]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
DAGS_DIR = REPO_ROOT / "dags"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
PARAMETERS_FILE = PACKAGE_DIR / "parameters.yml"
# dbt's target (manifest.json) and log directories; RENTAN_DBT_DIR moves both elsewhere: processes
# that build at the same time (test workers) must not share dbt's target directory.
_DBT_DIR = Path(os.environ["RENTAN_DBT_DIR"]) if os.environ.get("RENTAN_DBT_DIR") else None
DBT_TARGET_DIR = _DBT_DIR / "target" if _DBT_DIR else DBT_PROJECT_DIR / "target"
DBT_LOG_DIR = _DBT_DIR / "logs" if _DBT_DIR else DBT_PROJECT_DIR / "logs"
DBT_MANIFEST = DBT_TARGET_DIR / "manifest.json"
