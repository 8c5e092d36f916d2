"""The programme parameters of program-rules.md section 1, from the one parameters file.

A deployment may keep its own overrides in a YAML file named by RENTAN_PARAMS_FILE (the
same form as `rentan run --params`): every run of that deployment, scheduled ones included,
reads them on top of parameters.yml, and a run's own overrides on top of those.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import reprlib
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
    "max_household_rows": int,
    "max_payment_lines_per_nik": int,
}
# The range of every number (inclusive): a value outside is refused with this sentence, before any
# work. Wide enough for any real programme, narrow enough to catch a typo (program_year 0, a due
# day of 45, min_age 70 with max_age 20, a rate of .nan).
RANGES = {
    "program_year": (2000, 2100),
    "quota": (1, 100_000_000),
    "budget_idr": (1, 10**15),
    "declared_income_idr": (1, 10**10),
    "jkk_rate": (0.0, 0.1),
    "jkm_monthly_idr": (1, 10**7),
    "min_age": (0, 120),
    "max_age": (0, 120),
    "max_desil": (1, 10),
    "payment_due_day": (1, 28),  # a day every month has
    "unpaid_flag_months": (1, 12),
    "bpjs_lapse_months": (1, 24),
    "bi_min_group_size": (1, 1000),
    "snapshot_min_ratio": (0.0, 1.0),
    "published_min_ratio": (0.0, 1.0),
    "max_household_rows": (1, 1000),
    "max_payment_lines_per_nik": (1, 100),
}
# A parameters file is a few hundred bytes: a bigger one is refused before it is parsed, and what an
# error echoes of a value is cut short (YAML anchors can make a tiny file a huge value).
MAX_FILE_BYTES = 64 * 1024
_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxstring, _SHORT.maxother, _SHORT.maxlist, _SHORT.maxdict = 2, 40, 40, 4, 4


def load_parameters(overrides: dict[str, Any] | Path | str | None = None) -> dict[str, Any]:
    """Defaults from parameters.yml, updated with overrides (a dict or a YAML file), checked.

    An override naming a parameter that does not exist is an error: a typo must not
    silently leave the default in force.
    """
    params = yaml.safe_load(PARAMETERS_FILE.read_text())
    if isinstance(overrides, (str, Path)):
        overrides = read_overrides(Path(overrides), "--params")
    overrides = {} if overrides is None else overrides
    if not isinstance(overrides, dict):
        raise ValueError("programme parameters must be a mapping of name: value, e.g. `quota: 9000`")
    for layer in (deployment_overrides(), overrides):
        for name, value in layer.items():
            if name not in params:
                raise ValueError(f"unknown programme parameter {_SHORT.repr(name)}; known: {', '.join(params)}")
            params[name] = value
    checked = {name: _checked(name, value) for name, value in params.items()}
    if checked["min_age"] > checked["max_age"]:
        raise ValueError(f"programme parameter min_age={checked['min_age']} is above max_age={checked['max_age']}")
    if checked["coverage_start_month"] > checked["coverage_end_month"]:
        raise ValueError(
            f"programme parameter coverage_start_month={checked['coverage_start_month']} is after "
            f"coverage_end_month={checked['coverage_end_month']}"
        )
    return checked


def read_bounded(path: Path) -> str:
    """A parameters file's text; ValueError naming the limit when it is larger than MAX_FILE_BYTES."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ValueError(f"{path} is {size:,} bytes: a parameters file is at most {MAX_FILE_BYTES:,} bytes")
    return path.read_text()


def read_overrides(path: Path, label: str) -> dict[str, Any]:
    """The overrides in a YAML file (`--params`, RENTAN_PARAMS_FILE): the one reader of such a file.

    Not checked here (load_parameters checks them). ValueError in one sentence naming `label` and the file.
    """
    try:
        text = read_bounded(path)
    except OSError as err:
        raise ValueError(f"cannot read {label} {path}: {err.strerror}") from None
    except ValueError as err:  # too big to be a parameters file
        raise ValueError(f"{label} {err}") from None
    try:
        overrides = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ValueError(f"{label} {path} is not valid YAML{where}: fix the file") from None
    if overrides is None:
        return {}
    if not isinstance(overrides, dict):
        raise ValueError(f"{label} {path} must map parameter names to values, e.g. `quota: 9000`")
    return overrides


def deployment_overrides() -> dict[str, Any]:
    """The overrides of the file named by RENTAN_PARAMS_FILE ({} when it is not set)."""
    path = os.environ.get(PARAMS_FILE_ENV)
    if not path:
        return {}
    if not Path(path).is_file():
        raise ValueError(f"{PARAMS_FILE_ENV} names {path}, which is not a file: point it at the deployment's YAML file")
    return read_overrides(Path(path), f"{PARAMS_FILE_ENV} file")


def source() -> str:
    """Where the deployment's parameters come from, as people read it."""
    path = os.environ.get(PARAMS_FILE_ENV)
    return f"parameters.yml and {path}" if path else "parameters.yml"


def _checked(name: str, value: Any) -> Any:
    form = FORMS[name]
    if isinstance(value, dt.date):  # YAML reads an unquoted 2025-12-15 as a date
        value = value.isoformat()
    if form is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(_in_range(name, value))
    if form is int and isinstance(value, int) and not isinstance(value, bool):
        return _in_range(name, value)
    if isinstance(form, str) and isinstance(value, str) and re.fullmatch(form, value):
        if name == "selection_date":
            dt.date.fromisoformat(value)
        return value
    kind = {list: "a list", dict: "a mapping"}.get(type(value), _SHORT.repr(value))
    raise ValueError(f"programme parameter {name}={kind} is not of the form {getattr(form, '__name__', form)}")


def _in_range(name: str, value: float) -> float:
    low, high = RANGES[name]
    if not math.isfinite(value) or not low <= value <= high:
        if name in ("snapshot_min_ratio", "published_min_ratio"):
            raise ValueError(f"programme parameter {name}={value!r} must be between 0 and 1")
        raise ValueError(f"programme parameter {name}={value!r} must be a number from {_n(low)} to {_n(high)}")
    return value


def _n(number: float) -> str:
    return f"{number:,}" if abs(number) >= 10_000 else f"{number}"
