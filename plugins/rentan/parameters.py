"""The programme parameters of program-rules.md section 1, from the one parameters file.

A deployment may keep its own overrides in a YAML file named by RENTAN_PARAMS_FILE (the
same form as `rentan run --params`): every run of that deployment, scheduled ones included,
reads them on top of parameters.yml, and a run's own overrides on top of those.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

import yaml

from rentan.paths import PARAMETERS_FILE

PARAMS_FILE_ENV = "RENTAN_PARAMS_FILE"

# The form each parameter must have. Parameters become dbt vars that Jinja writes into
# SQL, so a value of the wrong form is refused here, before it can reach any query.
FORMS = {
    "program_year": int,
    "coverage_start_month": r"[0-9]{4}-(0[1-9]|1[0-2])",
    "coverage_end_month": r"[0-9]{4}-(0[1-9]|1[0-2])",
    "selection_date": r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
    "quota": int,
    "budget_idr": int,
    "declared_income_idr": int,
    "jkk_rate": float,
    "jkm_monthly_idr": int,
    "min_age": int,
    "max_age": int,
    "max_desil": int,
    "payment_due_day": int,
    "kode_kota": r"[0-9]{4}",
    "program_payer_code": r"[A-Z0-9_]+",
    "unpaid_flag_months": int,
    "bpjs_lapse_months": int,
    "bi_min_group_size": int,
    "snapshot_min_ratio": float,
    "published_min_ratio": float,
}
# Shares: between 0 and 1.
RATIOS = ("snapshot_min_ratio", "published_min_ratio")


def load_parameters(overrides: dict[str, Any] | Path | str | None = None) -> dict[str, Any]:
    """Defaults from parameters.yml, updated with overrides (a dict or a YAML file), checked.

    An override naming a parameter that does not exist is an error: a typo must not
    silently leave the default in force.
    """
    params = yaml.safe_load(PARAMETERS_FILE.read_text())
    if isinstance(overrides, (str, Path)):
        overrides = yaml.safe_load(Path(overrides).read_text()) or {}
    for layer in (deployment_overrides(), overrides or {}):
        for name, value in layer.items():
            if name not in params:
                raise ValueError(f"unknown programme parameter {name!r}; known: {', '.join(params)}")
            params[name] = value
    return {name: _checked(name, value) for name, value in params.items()}


def deployment_overrides() -> dict[str, Any]:
    """The overrides of the file named by RENTAN_PARAMS_FILE ({} when it is not set)."""
    path = os.environ.get(PARAMS_FILE_ENV)
    if not path:
        return {}
    if not Path(path).is_file():
        raise ValueError(f"{PARAMS_FILE_ENV} names {path}, which is not a file: point it at the deployment's YAML file")
    try:
        overrides = yaml.safe_load(Path(path).read_text()) or {}
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ValueError(f"{PARAMS_FILE_ENV} file {path} is not valid YAML{where}: fix the file") from None
    if not isinstance(overrides, dict):
        raise ValueError(f"{PARAMS_FILE_ENV} file {path} must map parameter names to values")
    return overrides


def source() -> str:
    """Where the deployment's parameters come from, as people read it."""
    path = os.environ.get(PARAMS_FILE_ENV)
    return f"parameters.yml and {path}" if path else "parameters.yml"


def _checked(name: str, value: Any) -> Any:
    form = FORMS[name]
    if isinstance(value, dt.date):  # YAML reads an unquoted 2025-12-15 as a date
        value = value.isoformat()
    if form is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        if name in RATIOS and not 0 <= value <= 1:
            raise ValueError(f"programme parameter {name}={value!r} must be between 0 and 1")
        return float(value)
    if form is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(form, str) and isinstance(value, str) and re.fullmatch(form, value):
        if name == "selection_date":
            dt.date.fromisoformat(value)
        return value
    raise ValueError(f"programme parameter {name}={value!r} is not of the form {getattr(form, '__name__', form)}")
