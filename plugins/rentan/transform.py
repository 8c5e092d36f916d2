"""The transform DAG's steps: dbt build of the models, with per-model results kept in audit."""

from __future__ import annotations

import logging

from rentan import dbt_runner
from rentan.migrate import migrate
from rentan.parameters import load_parameters
from rentan.warehouse import connect, warehouse_url

log = logging.getLogger(__name__)


class TransformFailed(RuntimeError):
    """dbt build failed; the message names the failing models and tests."""


def build(run_id: str, overrides: dict | None) -> dict:
    """Run `dbt build` with the run's parameters; log each node's status and time; fail loudly."""
    params = load_parameters(overrides)
    url = warehouse_url()
    with connect(url) as conn:
        migrate(conn)
    run = dbt_runner.build(url, params)
    with connect(url) as conn, conn.transaction():
        record_dbt_results(conn, run_id, run)
    for node in run.results:
        log.info("%-8s %7.2fs  %s %s", node["status"], node["seconds"] or 0, node["unique_id"],
                 node["message"] or "")
    failed = [n for n in run.results if n["status"] in ("error", "fail", "runtime error")]
    if not run.success:
        names = ", ".join(f"{n['unique_id']} ({n['status']}: {n['message']})" for n in failed)
        raise TransformFailed(f"dbt build failed: {names or run.log_tail}")
    return {"nodes": len(run.results), "params": params}


def record_dbt_results(conn, run_id: str, run) -> None:
    with conn.cursor() as cur:
        cur.executemany(
            """insert into audit.dbt_results (run_id, unique_id, resource_type, status, seconds, message)
               values (%s, %s, %s, %s, %s, %s)
               on conflict (run_id, unique_id) do update set status = excluded.status,
                   seconds = excluded.seconds, message = excluded.message, recorded_at = clock_timestamp()""",
            [(run_id, n["unique_id"], n["resource_type"], n["status"], n["seconds"], n["message"])
             for n in run.results])
