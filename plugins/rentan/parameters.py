"""The programme parameters of program-rules.md section 1, from the one parameters file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from rentan.paths import PARAMETERS_FILE


def load_parameters(overrides: dict[str, Any] | Path | str | None = None) -> dict[str, Any]:
    """Defaults from parameters.yml, updated with overrides (a dict or a YAML file).

    An override naming a parameter that does not exist is an error: a typo must not
    silently leave the default in force.
    """
    params = yaml.safe_load(PARAMETERS_FILE.read_text())
    if isinstance(overrides, (str, Path)):
        overrides = yaml.safe_load(Path(overrides).read_text()) or {}
    for name, value in (overrides or {}).items():
        if name not in params:
            raise ValueError(f"unknown programme parameter {name!r}; known: {', '.join(params)}")
        params[name] = value
    # YAML reads an unquoted 2025-12-15 as a date; every consumer wants the ISO text.
    return {name: value.isoformat() if isinstance(value, dt.date) else value for name, value in params.items()}
