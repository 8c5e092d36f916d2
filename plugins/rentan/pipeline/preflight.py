"""Fail fast: one check of the configuration before any DAG starts (`rentan check`, `rentan run`).

A configuration error does not get better by waiting or retrying: the warehouse that does
not answer or is too old, a missing pseudonym key, a landing folder that cannot be read,
programme parameters that are not valid. Each problem found is one sentence that says what
to change; all of them are found in one go, and nothing has run when they are reported.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from rentan.ingest import landing as landing_files
from rentan.ingest.contracts import CONTRACTS
from rentan.parameters import load_parameters, read_overrides
from rentan.warehouse import describe, open_connection, pseudonym
from rentan.warehouse.errors import ConfigurationError, WarehouseError


@dataclass
class Preflight:
    problems: list[str] = field(default_factory=list)  # one actionable sentence each
    warnings: list[str] = field(default_factory=list)  # what a run goes on despite (a file it will reject)
    checked: list[str] = field(default_factory=list)  # what was found in order, for `rentan check`
    overrides: dict = field(default_factory=dict)  # the --params file's, read once: what the run passes on

    @property
    def ok(self) -> bool:
        return not self.problems


def check(
    warehouse_url: str,
    landing: str | Path | None = None,
    params_file: str | Path | None = None,
    unreadable_files_are_problems: bool = True,
) -> Preflight:
    """Every configuration check; `landing` None when the command reads no landing area.

    Every file a run would load is opened and read: one this user cannot read is a problem for
    `rentan check`, and a warning for `rentan run`, which loads the other files and rejects it alone.
    """
    result = Preflight()
    if landing is not None and Path(landing).is_dir():
        try:
            files = landing_files.unreadable(Path(landing))
        except OSError:
            files = []  # the folder itself: _landing says so
        (result.problems if unreadable_files_are_problems else result.warnings).extend(files)
    for step in (
        lambda: _warehouse(warehouse_url),
        _pseudonym_key,
        *([lambda: _landing(Path(landing))] if landing is not None else []),
        lambda: _parameters(params_file, result),
    ):
        try:
            result.checked.append(step())
        except _Problem as problem:
            result.problems.append(str(problem))
    return result


class _Problem(Exception):
    """One configuration problem, in one sentence."""


def _warehouse(url: str) -> str:
    """Reachable, and a server version rentan supports (rentan.warehouse.MIN_SERVER_VERSION)."""
    try:
        conn = open_connection(url, application_name="rentan check")
    except ConfigurationError as err:  # a wrong URL, login or database, or a server too old
        raise _Problem(str(err)) from None
    except WarehouseError as err:
        raise _Problem(f"{err}: start the server, or point WAREHOUSE_URL at one that runs") from None
    with conn:
        version = conn.execute("show server_version").fetchone()[0]
    return f"warehouse {describe(url)} (PostgreSQL {version})"


def _pseudonym_key() -> str:
    file = os.environ.get(pseudonym.KEY_FILE_ENV)
    if not os.environ.get(pseudonym.KEY_ENV) and file and not Path(file).is_file():
        raise _Problem(
            f"{pseudonym.KEY_FILE_ENV} names {file}, which is not a file: point it at the pseudonym key file, "
            f"or set {pseudonym.KEY_ENV}"
        )
    try:
        key = pseudonym.load_key()
    except pseudonym.MissingKey as err:
        raise _Problem(str(err)) from None
    except OSError as err:
        raise _Problem(f"cannot read the pseudonym key file {err.filename}: {err.strerror}") from None
    if not key.strip():
        raise _Problem(f"the pseudonym key is empty: set {pseudonym.KEY_ENV} or {pseudonym.KEY_FILE_ENV} to a real key")
    return f"pseudonym key {pseudonym.fingerprint(key)}"


def _landing(landing: Path) -> str:
    feeds = ", ".join(CONTRACTS)
    if not landing.exists():
        raise _Problem(
            f"the landing folder {landing} does not exist: give --landing the folder that holds the feed folders "
            f"({feeds})"
        )
    if not landing.is_dir():
        raise _Problem(f"the landing path {landing} is a file, not a folder: give --landing the folder of the feeds")
    for folder in [landing, *(landing / feed for feed in CONTRACTS if (landing / feed).is_dir())]:
        try:
            with os.scandir(folder) as entries:
                next(entries, None)
        except OSError as err:
            raise _Problem(
                f"cannot read the landing folder {folder}: {err.strerror} (give this user read access to it)"
            ) from None
    return f"landing {landing}"


def _parameters(params_file: str | Path | None, result: Preflight) -> str:
    """The --params file read and checked, its overrides kept in `result` for the run (read once)."""
    try:
        overrides = {} if params_file is None else read_overrides(Path(params_file), "--params")
    except ValueError as err:
        raise _Problem(str(err)) from None
    try:
        load_parameters(overrides)
    except ValueError as err:
        source = f"--params {params_file}" if params_file is not None else "parameters.yml"
        raise _Problem(f"{source}: {err}") from None
    result.overrides = overrides
    return f"parameters.yml{f' with --params {params_file}' if params_file is not None else ''}"
