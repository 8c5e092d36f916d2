"""The transform DAG's steps: build, validate, publish (write-audit-publish).

1. build: `dbt build` into ops_build / marts_build (staging and intermediate in place), dbt's
   tests included; per-node results in audit.dbt_results, tests also in audit.validation_results.
2. validate: the Great Expectations suites of expectations/ on that build; results in
   audit.validation_results, Data Docs in expectations/uncommitted/data_docs.
3. publish: only if no fail-level check failed, one transaction swaps the build into ops and
   marts and logs the version in meta.publish_log.

Each step raises TransformFailed naming what failed; ops and marts stay as they were.
"""

from __future__ import annotations

import json
import logging
import time

from rentan import check_sentences, cohort, dbt_runner, incremental
from rentan import publish as publisher
from rentan import validate as validator
from rentan.locks import stage_lock
from rentan.migrate import migrate
from rentan.parameters import load_parameters
from rentan.pseudonym import fingerprint, load_key
from rentan.warehouse import connect, warehouse_url

log = logging.getLogger(__name__)


class TransformFailed(RuntimeError):
    """A step failed; the message names the failing models, tests or checks."""


def build(run_id: str, overrides: dict | None, *, unit_tests: bool = True, reselect: str | None = None) -> dict:
    """Run `dbt build` into the build schemas with the run's parameters; log each node; fail loudly.

    Only what depends on the feeds that changed since the published build is rebuilt, when
    nothing else changed (rentan.incremental); otherwise everything. Once anyone is enrolled
    the build keeps the published cohort's size unless `reselect` says why not (rentan.cohort).
    """
    params = load_parameters(overrides)
    url = warehouse_url()
    # No file lands half-way through the build, and one build at a time (locks.py).
    with stage_lock(url, "ingest", run_id), stage_lock(url, "transform", run_id):
        with connect(url) as conn:
            migrate(conn)
            publisher.reset_build(conn)
            inputs = incremental.current_inputs(conn, params, fingerprint(load_key()), reselect=bool(reselect))
            cohort_size = cohort.frozen_size(conn, reselect)
            select, why = incremental.plan(conn, inputs)
            incremental.forget(conn)
        log.info(why)
        run = dbt_runner.build(url, params, select=select, unit_tests=unit_tests,
                               extra_vars={"build_schema_suffix": publisher.BUILD_SUFFIX, "carry_over": bool(select),
                                           "cohort_size": cohort_size, "forget_calls": bool(reselect)})
        tests = validator.dbt_test_results(run, dbt_runner.TARGET_DIR / "manifest.json")
        with connect(url) as conn:
            with conn.transaction():
                record_dbt_results(conn, run_id, run)
            validator.record_results(conn, run_id, tests)
            if run.success:
                publisher.mark_build(conn, run_id)
                incremental.remember(conn, run_id, inputs)
    for node in run.results:
        log.info("%-8s %7.2fs  %s %s", node["status"], node["seconds"] or 0, node["unique_id"],
                 node["message"] or "")
    if not run.success:
        raise TransformFailed(run.summary())
    log.info("dbt build: %d nodes in %.1fs; %s", len(run.results), run.seconds, validator.summarize(tests))
    return {"nodes": len(run.results), "params": params, "incremental": bool(select),
            "seconds": {"build": round(run.seconds, 1)}}


def record_dbt_results(conn, run_id: str, run) -> None:
    with conn.cursor() as cur:
        cur.executemany(
            """insert into audit.dbt_results (run_id, invocation_id, unique_id, resource_type, status, seconds, message)
               values (%s, %s, %s, %s, %s, %s, %s)
               on conflict (run_id, unique_id) do update set invocation_id = excluded.invocation_id,
                   status = excluded.status, seconds = excluded.seconds, message = excluded.message,
                   recorded_at = clock_timestamp()""",
            [(run_id, run.invocation_id, n["unique_id"], n["resource_type"], n["status"], n["seconds"], n["message"])
             for n in run.results])


def validate(run_id: str, overrides: dict | None, seconds: dict | None = None, reselect: str | None = None) -> dict:
    """Run the GX suites and the cohort checks on the run's build, record every result, fail naming the failures.

    `seconds` are the earlier steps' durations, passed on to publish for meta.run_log (rentan bench).
    """
    params = load_parameters(overrides)
    url = warehouse_url()
    started = time.monotonic()
    with stage_lock(url, "transform", run_id):
        with connect(url) as conn:
            try:
                publisher.check_build_is_of(conn, run_id)
                carried_over, carried_from = publisher.carried_over(conn)
            except publisher.PublishRefused as refused:
                raise TransformFailed(f"nothing to validate: {refused}") from None
        results = validator.run_checks(url, params, publisher.build_schemas(), run_name=run_id,
                                       carried_over=carried_over, carried_from=carried_from)
        with connect(url) as conn:
            results += cohort.checks(conn, run_id, publisher.build_schemas(), reselect)
            validator.record_results(conn, run_id, results)
    seconds_taken = time.monotonic() - started
    log.info("validation: %d checks in %.1fs; %s", len(results), seconds_taken, validator.summarize(results))
    with connect(url) as conn:
        for r in results:
            if r.success is False and not r.blocking:  # a readable sentence with its numbers, then the check
                log.warning("WARNED %s [%s]", check_sentences.sentence(conn, r, run_id), r.label)
            elif r.success is not True:
                level = logging.ERROR if r.blocking else logging.INFO
                log.log(level, "%s %s", "FAILED" if r.blocking else "SKIPPED", validator.describe(r))
    log.info("Data Docs: %s", validator.data_docs_dir() / "index.html")
    blocking = [r for r in results if r.blocking]
    if blocking:
        raise TransformFailed(f"validation failed, not published: {'; '.join(validator.describe(r) for r in blocking)} "
                              "(all results: audit.validation_results)")
    return {"checks": len(results), "seconds": {**(seconds or {}), "validate": round(seconds_taken, 1)},
            "warned": [r.label for r in results if r.success is False],
            "skipped": [r.label for r in results if r.success is None]}


def publish(run_id: str, seconds: dict | None = None, reselect: str | None = None) -> dict:
    """Swap the validated build into ops and marts; record the version in meta.publish_log and meta.run_log,
    and a change of the selected cohort in audit.cohort_decisions, in the same transaction."""
    started = time.monotonic()
    url = warehouse_url()
    with stage_lock(url, "publish", run_id), connect(url) as conn:
        try:
            with conn.transaction():
                change = cohort.compare(conn, publisher.build_schemas()["ops"])
                published = publisher.publish(conn, run_id,
                                              [*validator.suite_names(), validator.DBT_SUITE, cohort.SUITE])
                cohort.record(conn, run_id, change, reselect)
                cohort.record_calls(conn, run_id, reselect)
        except publisher.PublishRefused as refused:
            raise TransformFailed(f"not published: {refused}") from None
        conn.execute(
            """insert into meta.run_log (run_id, dag_id, summary) values (%s, 'rentan_transform', %s)
               on conflict (run_id, dag_id) do update
               set summary = excluded.summary, finished_at = clock_timestamp()""",
            (run_id, json.dumps({"published_version": published["version"], "relations": published["relations"],
                                 "seconds": {**(seconds or {}), "publish": round(time.monotonic() - started, 2)}})))
    log.info("published version %d of run %s: %s", published["version"], run_id, ", ".join(published["relations"]))
    return published
