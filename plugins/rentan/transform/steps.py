"""Build: `dbt build` into ops_build / marts_build (staging and intermediate in place), dbt's
tests included; per-node results in audit.dbt_results, tests also in audit.validation_results.
Raises TransformFailed naming what failed; ops and marts stay as they were.
"""

from __future__ import annotations

import logging

from rentan.parameters import load_parameters
from rentan.paths import DBT_MANIFEST
from rentan.transform import dbt_runner, incremental
from rentan.wap import builds, cohort
from rentan.wap import checks as check_results
from rentan.wap.failures import TransformFailed
from rentan.warehouse import connect, warehouse_url
from rentan.warehouse.locks import stage_lock
from rentan.warehouse.pseudonym import fingerprint, load_key

log = logging.getLogger(__name__)


def build(run_id: str, overrides: dict | None, *, unit_tests: bool = True, reselect: str | None = None) -> dict:
    """Run `dbt build` into the build schemas with the run's parameters; log each node; fail loudly.

    Only what depends on the feeds that changed since the published build is rebuilt, when
    nothing else changed (rentan.transform.incremental), and without dbt's unit tests (the SQL they
    test is the published build's); otherwise everything. Once anyone is enrolled or
    called the build keeps the published cohort's size and continues the decision ledger, unless `reselect`
    says why not (rentan.wap.cohort).
    """
    params = load_parameters(overrides)
    url = warehouse_url()
    # No file lands half-way through the build, and one build at a time (locks.py).
    with stage_lock(url, "ingest", run_id), stage_lock(url, "transform", run_id):
        with connect(url) as conn:
            builds.reset_build(conn)
            cohort_size = cohort.frozen_size(conn, reselect)
            inputs = incremental.current_inputs(
                conn, params, fingerprint(load_key()), reselect=bool(reselect), ledger_fresh=cohort_size is None
            )
            select, why = incremental.plan(conn, inputs)
            incremental.forget(conn)
        log.info(why)
        run = dbt_runner.build(
            url,
            params,
            select=select,
            # An incremental build's SQL is the published build's (incremental.plan), so are its unit
            # tests' results: validation keeps them (carry_over_dbt_results) instead of re-running them.
            unit_tests=unit_tests and not select,
            extra_vars={
                "build_schema_suffix": builds.BUILD_SUFFIX,
                "carry_over": bool(select),
                "cohort_size": cohort_size,
                # The decision ledger is continued once the cohort is decided; else a new era starts.
                "ledger_fresh": cohort_size is None,
            },
        )
        tests = check_results.dbt_test_results(run, DBT_MANIFEST, unit_tests=unit_tests or bool(select))
        with connect(url) as conn:
            with conn.transaction():
                record_dbt_results(conn, run_id, run)
            check_results.record_results(conn, run_id, tests)
            if run.success:
                builds.mark_build(conn, run_id)
                incremental.remember(conn, run_id, inputs)
    for node in run.results:
        log.info("%-8s %7.2fs  %s %s", node["status"], node["seconds"] or 0, node["unique_id"], node["message"] or "")
    if not run.success:
        raise TransformFailed(cohort_refusal(url, run_id, reselect, inputs) or run.summary())
    log.info("dbt build: %d nodes in %.1fs; %s", len(run.results), run.seconds, check_results.summarize(tests))
    return {
        "nodes": len(run.results),
        "params": params,
        "incremental": bool(select),
        "seconds": {"build": round(run.seconds, 1)},
    }


def cohort_refusal(url: str, run_id: str, reselect: str | None, inputs: dict) -> str | None:
    """Why a failed build failed when it changed the decided cohort: that first, as validation would say it
    (a changed cohort breaks the ledger's own tests, whose names would not tell the engineer why)."""
    schemas = builds.build_schemas()
    with connect(url) as conn:
        if conn.execute("select to_regclass(%s)", (f"{schemas['ops']}.eligibility",)).fetchone()[0] is None:
            return None
        results = cohort.checks(conn, run_id, schemas, reselect, inputs)
        refused = [r for r in results if r.success is False]
        if refused:
            check_results.record_results(conn, run_id, results)
        return "; ".join(f"{r.suite}.{r.check}: {r.details['error']}" for r in refused) or None


def already_published(triggering_asset_events) -> int | None:
    """The published version holding every batch of the asset events that started the run (None: build)."""
    batch_ids = [
        batch
        for events in (triggering_asset_events or {}).values()
        for event in events
        for batch in ((event.extra or {}).get("batch_ids") or [])
    ]
    if not batch_ids:
        return None
    with connect(warehouse_url()) as conn:
        return incremental.published_with(conn, batch_ids)


def record_dbt_results(conn, run_id: str, run) -> None:
    with conn.cursor() as cur:
        cur.executemany(
            """insert into audit.dbt_results (run_id, invocation_id, unique_id, resource_type, status, seconds, message)
               values (%s, %s, %s, %s, %s, %s, %s)
               on conflict (run_id, unique_id) do update set invocation_id = excluded.invocation_id,
                   status = excluded.status, seconds = excluded.seconds, message = excluded.message,
                   recorded_at = clock_timestamp()""",
            [
                (run_id, run.invocation_id, n["unique_id"], n["resource_type"], n["status"], n["seconds"], n["message"])
                for n in run.results
            ],
        )
