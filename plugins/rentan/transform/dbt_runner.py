"""How Python runs dbt: the project's models with the programme parameters, and what happened.

dbt runs as a subprocess of this interpreter (its `dbt` command), not in-process
through `dbtRunner`: dbt keeps global state (flags, adapter registry, logging handlers)
that leaks between invocations in one process, and an Airflow task must not inherit it
or have its own logging rewired. A subprocess costs about a second and isolates all that.

Every invocation gets:
- the connection from the warehouse URL, as RENTAN_DB_* environment variables read by
  dbt_project/profiles.yml (no secret on the command line), acting as the ETL role that
  owns the warehouse's relations;
- every programme parameter as --vars (always all of them: the project has no defaults,
  so a missing one fails at compile time instead of silently using a stale value);
- the run's switches (RUN_SWITCHES: carry_over, cohort_size, ledger_fresh) as environment
  variables RENTAN_RUN_<NAME> holding JSON, read by the dbt macro run_switch: they change
  from run to run, and a change of --vars makes dbt re-parse the whole project (about 5 s)
  where a changed environment variable re-parses only the files that read it;
- the project, profiles, target and log directories inside dbt_project/ (git-ignored).

dbt's partial parse (target/partial_parse.msgpack) is kept between runs, so a run whose
project files, vars and connection are unchanged parses in well under a second.

Per-node results come from target/run_results.json; a run that fails before writing it
(a compile or connection error) has no results and `success` False, and `log_tail`
says why.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from psycopg.conninfo import conninfo_to_dict

from rentan import stopping
from rentan.paths import DBT_LOG_DIR, DBT_PROJECT_DIR, DBT_TARGET_DIR
from rentan.warehouse.migrate import ETL_ROLE

LOG_TAIL_LINES = 60
# The `dbt` console script, run by this interpreter wherever dbt is installed.
DBT_COMMAND = (sys.executable, "-c", "from dbt.cli.main import cli; cli()")
# Statuses of run_results.json that mean a node did not do its job.
FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})
# Non-programme vars that are a run's own (macro run_switch): passed in the environment.
RUN_SWITCHES = frozenset({"carry_over", "cohort_size", "ledger_fresh"})
SWITCH_PREFIX = "RENTAN_RUN_"


@dataclass
class DbtRun:
    """One dbt invocation: its outcome, per-node results and the end of its output."""

    args: list[str]
    success: bool
    returncode: int
    seconds: float
    results: list[dict[str, Any]] = field(default_factory=list)
    log_tail: str = ""
    invocation_id: str | None = None

    @property
    def failures(self) -> list[dict[str, Any]]:
        """The nodes that errored or whose test failed."""
        return [r for r in self.results if r["status"] in FAILED_STATUSES]

    def summary(self) -> str:
        """One line for logs and exceptions, naming the failing nodes."""
        if self.success:
            return f"dbt {' '.join(self.args[:1])}: {len(self.results)} nodes OK in {self.seconds:.1f}s"
        failed = "; ".join(f"{r['unique_id']} ({r['status']}: {r['message']})" for r in self.failures)
        return f"dbt {' '.join(self.args[:1])} failed: {failed or self.log_tail[-2000:]}"


def dbt_env(url: str, role: str | None = ETL_ROLE) -> dict[str, str]:
    """The RENTAN_DB_* variables profiles.yml reads, from a libpq URL.

    Works for TCP URLs and for socket URLs (`postgresql://user@/db?host=/socket/dir`):
    libpq's rules decide, so the defaults are libpq's (port 5432; user and database name
    from the OS user). `role` is the role dbt sets after connecting (SET ROLE), so what
    it creates belongs to the owner of the warehouse; None keeps the login's own role.
    """
    info = conninfo_to_dict(url)
    user = info.get("user") or os.environ.get("PGUSER") or _os_user()
    return {
        "RENTAN_DB_HOST": str(info.get("host") or os.environ.get("PGHOST") or "localhost"),
        "RENTAN_DB_PORT": str(info.get("port") or os.environ.get("PGPORT") or 5432),
        "RENTAN_DB_USER": str(user),
        "RENTAN_DB_PASSWORD": str(info.get("password") or os.environ.get("PGPASSWORD") or ""),
        "RENTAN_DB_NAME": str(info.get("dbname") or os.environ.get("PGDATABASE") or user),
        "RENTAN_DB_ROLE": role or "",
    }


def _os_user() -> str:
    import getpass

    return getpass.getuser()


def run_dbt(
    args: Sequence[str],
    url: str,
    params: dict[str, Any],
    *,
    extra_vars: dict[str, Any] | None = None,
    target_path: Path | None = None,
    timeout: float | None = None,
) -> DbtRun:
    """Run `dbt <args>` against the warehouse at `url` with every parameter of `params` as vars.

    `extra_vars` are non-programme vars (e.g. build_schema_suffix for write-audit-publish);
    those in RUN_SWITCHES reach dbt in the environment (macro run_switch), the rest as vars.
    `target_path` defaults to dbt_project/target; give concurrent runs their own.
    """
    target = Path(target_path or DBT_TARGET_DIR)
    run_results = target / "run_results.json"
    run_results.unlink(missing_ok=True)  # never report a previous run's results
    extra = dict(extra_vars or {})
    switches = {name: extra.pop(name) for name in RUN_SWITCHES & extra.keys()}
    variables = {**params, **extra}
    command = [
        *DBT_COMMAND,
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(target),
        "--log-path",
        str(DBT_LOG_DIR),
        "--vars",
        json.dumps(variables, sort_keys=True, default=str),
        "--no-use-colors",
    ]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(SWITCH_PREFIX)},
        **dbt_env(url),
        **{SWITCH_PREFIX + name.upper(): json.dumps(value, default=str) for name, value in switches.items()},
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    started = time.monotonic()
    returncode, output = _run_in_own_group(command, stopping.with_session_options(env), timeout)
    seconds = time.monotonic() - started
    results, invocation_id = _read_run_results(run_results)
    success = returncode == 0 and not any(r["status"] in FAILED_STATUSES for r in results)
    return DbtRun(
        args=list(args),
        success=success,
        returncode=returncode,
        seconds=seconds,
        results=results,
        log_tail="\n".join(output.splitlines()[-LOG_TAIL_LINES:]),
        invocation_id=invocation_id,
    )


def _run_in_own_group(command: list[str], env: dict[str, str], timeout: float | None) -> tuple[int, str]:
    """Run dbt in a process group of its own that dies with this process: (exit status, its output).

    Whatever ends the caller (a stopped `rentan run`, Airflow's SIGTERM to a task, a timeout,
    SIGKILL) ends dbt too: any exception kills dbt's group before it propagates, and the kernel
    kills dbt when its parent dies (stopping.die_with_parent). An orphaned dbt would go on
    building into schemas the next run drops.
    """
    process = subprocess.Popen(  # noqa: S603 - our own interpreter running dbt
        command,
        env=env,
        cwd=DBT_PROJECT_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=stopping.die_with_parent,  # noqa: PLW1509
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise
    return process.returncode, output or ""


def _read_run_results(path: Path) -> tuple[list[dict[str, Any]], str | None]:
    if not path.exists():
        return [], None
    document = json.loads(path.read_text())
    results = [
        {
            "unique_id": r["unique_id"],
            "resource_type": r["unique_id"].split(".", 1)[0],
            "status": str(r["status"]),
            "seconds": r.get("execution_time"),
            "message": r.get("message"),
        }
        for r in document.get("results", [])
    ]
    return results, document.get("metadata", {}).get("invocation_id")


def build(
    url: str,
    params: dict[str, Any],
    select: str | Sequence[str] | None = None,
    *,
    unit_tests: bool = True,
    extra_vars: dict[str, Any] | None = None,
    target_path: Path | None = None,
) -> DbtRun:
    """`dbt build`: seeds, models, data tests and (unless unit_tests=False) unit tests, in DAG order.

    `select` is a dbt selection (one string or several); None builds the whole project.
    The pseudonym key is installed first: the BI marts' person_key needs it.
    """
    from rentan.warehouse import connect
    from rentan.warehouse.pseudonym import install_key

    with connect(url) as conn:
        install_key(conn)
    args = ["build"]
    if select:
        args += ["--select", *([select] if isinstance(select, str) else select)]
    if not unit_tests:
        args += ["--exclude-resource-type", "unit_test"]
    return run_dbt(args, url, params, extra_vars=extra_vars, target_path=target_path)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m rentan.transform.dbt_runner env [URL]`: shell exports of the RENTAN_DB_* variables.

    For running dbt or sqlfluff's dbt templater by hand against the warehouse (the
    embedded one unless WAREHOUSE_URL or URL says otherwise):
        eval "$(.venv/bin/python -m rentan.transform.dbt_runner env)" && .venv/bin/sqlfluff lint dbt_project
    """
    import shlex

    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] != "env" or len(argv) > 2:
        print("usage: python -m rentan.transform.dbt_runner env [URL]", file=sys.stderr)
        return 2
    from rentan.warehouse import warehouse_url

    # `make lint` on a developer's machine: the embedded warehouse is started if none is configured.
    for name, value in dbt_env(argv[1] if len(argv) == 2 else warehouse_url(start=True)).items():
        print(f"export {name}={shlex.quote(value)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
