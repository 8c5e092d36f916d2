"""A run's check results for people (validation_summary), and the dbt results an incremental build keeps.

The results themselves (CheckResult, audit.validation_results) are rentan.wap.checks. Nothing here prints.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import psycopg

from rentan.validate import sentences
from rentan.validate.data_docs import data_docs_dir
from rentan.wap.checks import CheckResult, outcome
from rentan.wap.suites import DBT_SUITE, manifest_tests

SAMPLE_ROWS = 20  # failing rows or values kept per check in audit.validation_results


def carry_over_dbt_results(conn: psycopg.Connection, run_id: str, manifest_path: Path, carried_from: str | None) -> int:
    """Keep the published run's results of the dbt tests an incremental build did not select.

    dbt selects a test when it selects any model the test reads, so a test it left out reads
    only relations that did not change since `carried_from` (carried over, or built in place
    and unchanged). An incremental build runs no unit test (rentan.transform.steps): they test
    SQL, which is the published build's. Returns how many results were kept; a full build (no
    `carried_from`) keeps none.
    """
    if carried_from is None or not manifest_path.exists():
        return 0
    return conn.execute(
        """insert into audit.validation_results (run_id, suite, check_name, severity, success,
               observed_value, unexpected_count, details)
           select %(run)s, kept.suite, kept.check_name, kept.severity, kept.success, kept.observed_value,
                  kept.unexpected_count, kept.details || jsonb_build_object('carried_over_from', %(from)s::text)
           from audit.validation_results as kept
           where kept.run_id = %(from)s and kept.suite = %(suite)s and kept.check_name = any(%(declared)s)
             and not exists (select 1 from audit.validation_results as own where own.run_id = %(run)s
                             and own.suite = kept.suite and own.check_name = kept.check_name)""",
        {"run": run_id, "from": carried_from, "suite": DBT_SUITE, "declared": list(manifest_tests(manifest_path))},
    ).rowcount


def validation_summary(conn: psycopg.Connection, run_id: str | None = None) -> tuple[bool | None, list[str]]:
    """A run's outcome per suite (latest run by default), its failures and the Data Docs path, as lines.

    The verdict is True when no fail-level check failed, False otherwise, None when there are no results.
    """
    if run_id is None:
        row = conn.execute("select run_id from audit.validation_results order by recorded_at desc limit 1").fetchone()
        run_id = row and row[0]
    rows = conn.execute(
        """select suite, check_name, severity, success, observed_value, unexpected_count, details
           from audit.validation_results where run_id = %s order by suite, check_name""",
        (run_id,),
    ).fetchall()
    if not rows:
        return None, ["validation: no results yet"]
    results = [CheckResult(*row) for row in rows]
    passed = not any(r.blocking for r in results)
    lines = [f"validation {run_id}: {'PASSED' if passed else 'FAILED: not published'}"]
    by_suite = defaultdict(Counter)
    for r in results:
        by_suite[r.suite][outcome(r.success, r.severity)] += 1
    for suite, counts in sorted(by_suite.items()):
        verdict = "FAILED" if counts["failed"] else "passed"
        extra = "".join(f", {counts[k]} {k}" for k in ("failed", "warned", "skipped") if counts[k])
        lines.append(f"  {suite:<16}{verdict:<8}{counts['passed']}/{sum(counts.values())} passed{extra}")
    lines += [
        f"  {'FAIL' if r.severity == 'fail' else 'WARN'} {sentences.sentence(conn, r, run_id)}"
        for r in results
        if r.success is False
    ]
    index = data_docs_dir() / "index.html"
    lines.append(f"  Data Docs: {index if index.exists() else '(not built here)'}")
    return passed, lines
