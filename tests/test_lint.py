"""ruff (lint and format) and sqlfluff stay clean: CI fails on a lint error like on any other."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from rentan.paths import REPO_ROOT
from rentan.transform.dbt_runner import dbt_env

BIN = Path(sys.executable).parent


def test_ruff_is_clean():
    done = subprocess.run([str(BIN / "ruff"), "check", "."], cwd=REPO_ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout


def test_ruff_format_is_clean():
    done = subprocess.run([str(BIN / "ruff"), "format", "--check", "."], cwd=REPO_ROOT, capture_output=True, text=True)
    assert done.returncode == 0, f"not ruff-formatted (run `ruff format .`):\n{done.stdout}"


def test_sqlfluff_is_clean(server_url):
    env = {**os.environ, **dbt_env(server_url)}
    done = subprocess.run(
        [str(BIN / "sqlfluff"), "lint", "dbt_project"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-5000:]
