"""Validate: the Great Expectations suites of expectations/ and the cohort checks on the run's build;
results in audit.validation_results, Data Docs in expectations/uncommitted/data_docs.
Raises TransformFailed naming the fail-level checks that failed; nothing is published.
"""

from __future__ import annotations

import logging
import time

from rentan.paths import DBT_MANIFEST
from rentan.validate import gx
from rentan.validate import results as check_results
from rentan.validate import sentences as check_sentences
from rentan.validate.data_docs import data_docs_dir
from rentan.wap import builds, checks, cohort
from rentan.wap.failures import PublishRefused, TransformFailed
from rentan.warehouse import connect, warehouse_url
from rentan.warehouse.locks import stage_lock

log = logging.getLogger(__name__)


def validate(run_id: str, params: dict, seconds: dict | None = None, reselect: str | None = None) -> dict:
    """Run the GX suites and the cohort checks on the run's build, record every result, fail naming the failures.

    `params` are the build's, as it resolved them (its result's `params`): the build is checked against
    the parameters it was built with. `seconds` are the earlier steps' durations, passed on to publish
    for meta.run_log (rentan bench).
    """
    url = warehouse_url()
    started = time.monotonic()
    with stage_lock(url, "transform", run_id):
        with connect(url) as conn:
            try:
                builds.check_build_is_of(conn, run_id)
                carried_over, carried_from = builds.carried_over(conn)
            except PublishRefused as refused:
                raise TransformFailed(f"nothing to validate: {refused}") from None
        results = gx.run_checks(
            url,
            params,
            builds.build_schemas(),
            run_name=run_id,
            carried_over=carried_over,
            carried_from=carried_from,
        )
        with connect(url) as conn:
            results += cohort.checks(conn, run_id, builds.build_schemas(), reselect)
            checks.record_results(conn, run_id, results)
            kept = check_results.carry_over_dbt_results(conn, run_id, DBT_MANIFEST, carried_from)
    seconds_taken = time.monotonic() - started
    log.info("validation: %d checks in %.1fs; %s", len(results), seconds_taken, checks.summarize(results))
    if kept:
        log.info("kept the results of %d dbt tests of relations carried over from run %s", kept, carried_from)
    with connect(url) as conn:
        for r in results:
            if r.success is False and not r.blocking:  # a readable sentence with its numbers, then the check
                log.warning("WARNED %s [%s]", check_sentences.sentence(conn, r, run_id), r.label)
            elif r.success is not True:
                level = logging.ERROR if r.blocking else logging.INFO
                log.log(level, "%s %s", "FAILED" if r.blocking else "SKIPPED", checks.describe(r))
    log.info("Data Docs: %s", data_docs_dir() / "index.html")
    blocking = [r for r in results if r.blocking]
    if blocking:
        raise TransformFailed(
            f"validation failed, not published: {'; '.join(checks.describe(r) for r in blocking)} "
            "(all results: audit.validation_results)"
        )
    return {
        "checks": len(results),
        "seconds": {**(seconds or {}), "validate": round(seconds_taken, 1)},
        "warned": [r.label for r in results if r.success is False],
        "skipped": [r.label for r in results if r.success is None],
    }
