"""Check results: recorded in audit.validation_results, described for logs, exceptions and the CLI.

One row per check and run: GX checks under their suite, dbt's data and unit tests under suite
`dbt` (their manifest id), the cohort checks under `cohort`. `success` is null for a check that
was skipped for a recorded reason (`details.note`); `details.carried_over_from` marks a result
an incremental run kept from the published run (its relations did not change). Nothing here prints.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from rentan.wap.suites import DBT_SEVERITIES, DBT_SUITE, manifest_tests

UNIT_TESTS_EXCLUDED = "skipped: this build excluded dbt's unit tests (unit_tests=False)"


@dataclass
class CheckResult:
    suite: str
    check: str
    severity: str
    success: bool | None  # None: skipped, `details` says why
    observed_value: Any = None
    unexpected_count: int | None = None
    details: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.suite}.{self.check}"

    @property
    def blocking(self) -> bool:
        return self.success is False and self.severity == "fail"


def record_results(conn: psycopg.Connection, run_id: str, results: list[CheckResult]) -> None:
    """Replace the run's results of these suites (a retried task leaves no stale rows)."""
    suites = sorted({r.suite for r in results})
    with conn.transaction():
        conn.execute("delete from audit.validation_results where run_id = %s and suite = any(%s)", (run_id, suites))
        with conn.cursor() as cur:
            cur.executemany(
                """insert into audit.validation_results (run_id, suite, check_name, severity, success,
                       observed_value, unexpected_count, details) values (%s, %s, %s, %s, %s, %s, %s, %s)""",
                [
                    (
                        run_id,
                        r.suite,
                        r.check,
                        r.severity,
                        r.success,
                        _json(r.observed_value),
                        r.unexpected_count,
                        _json(r.details),
                    )
                    for r in results
                ],
            )


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, default=str)


def dbt_test_results(run, manifest_path: Path, unit_tests: bool = True) -> list[CheckResult]:
    """dbt's data and unit tests of a run as checks of suite `dbt`, severity from their config.

    A build that excluded unit tests records each as skipped with that reason: declared, not silently absent.
    """
    declared = manifest_tests(manifest_path) if manifest_path.exists() else {}
    results = []
    for node in run.results:
        if node["resource_type"] not in ("test", "unit_test"):
            continue
        config = declared.get(node["unique_id"], {}).get("config") or {}
        configured = str(config.get("severity") or "error").lower()
        severity = "warn" if node["status"] == "warn" else DBT_SEVERITIES.get(configured, "fail")
        success = {"pass": True, "skipped": None}.get(node["status"], False)
        details = {"status": node["status"], "message": node["message"]} if node["message"] else {}
        if success is False and (config.get("meta") or {}).get("sentence"):  # what it says, from the test's yml
            details["sentence"] = config["meta"]["sentence"]
        results.append(CheckResult(DBT_SUITE, node["unique_id"], severity, success, details=details))
    if not unit_tests:
        ran = {node["unique_id"] for node in run.results}
        results += [
            CheckResult(DBT_SUITE, uid, "fail", None, details={"note": UNIT_TESTS_EXCLUDED})
            for uid, node in declared.items()
            if node["resource_type"] == "unit_test" and uid not in ran
        ]
    return results


def summarize(results: list[CheckResult]) -> str:
    """One line per family: passed / failed / warned / skipped counts."""
    by_suite = defaultdict(Counter)
    for r in results:
        by_suite[r.suite][outcome(r.success, r.severity)] += 1
    return "; ".join(
        f"{suite}: " + ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
        for suite, counts in sorted(by_suite.items())
    )


def describe(r: CheckResult, limit: int = 300) -> str:
    """`suite.check (N unexpected: first rows)` for logs and exceptions, the rows cut at `limit` characters."""
    details = r.details or {}
    what = details.get("error") or details.get("note")
    if not what and r.observed_value is None and r.unexpected_count is None:
        what = details.get("message") or details.get("status") or "failed"
    if not what:
        count = f"{r.unexpected_count} unexpected" if r.unexpected_count is not None else f"observed {r.observed_value}"
        sample = details.get("unexpected") or details.get("message") or ""
        text = json.dumps(sample, default=str)
        text = text if len(text) <= limit else text[:limit] + "..."
        what = f"{count}: {text}" if sample else count
    return f"{r.label} ({what})"


def outcome(success: bool | None, severity: str) -> str:
    if success is None:
        return "skipped"
    return "passed" if success else ("failed" if severity == "fail" else "warned")
