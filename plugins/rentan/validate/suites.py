"""Great Expectations over a build: the programme's invariants, one suite per family.

The suites are config, not code: expectations/suites/<family>.yml (format in
expectations/README.md). Each check is `fail` (blocks publish) or `warn` (reported, publish
goes on): the one severity scheme, shared with dbt (`severity: error` = fail, `warn` = warn)
and written to GX as its own expectation severity (critical, warning).

GX runs through its own 1.x API (Airflow's GX provider does not install with Airflow 3.3):
an ephemeral context, a SQL data source on the warehouse's URL (TCP or a Unix socket), one query asset,
suite and validation definition per batch of a family, one checkpoint that also builds the
Data Docs. Thresholds are GX suite parameters (`{$PARAMETER: quota}`) or SQL placeholders
(`{budget_idr}`), both filled from rentan.parameters: never literals.

A batch names the dbt models it needs (`needs: [ops.enrollment]`). While a model is not in
dbt_project/ yet, its checks are recorded as skipped with a note; once the model exists, a
build without its relation fails the check. A batch that compares the build with what is
published names those relations too (`compares_with: [marts.program_capacity]`): until a
version is published there is nothing to compare, and its checks are recorded as skipped.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import yaml
from psycopg.conninfo import conninfo_to_dict

from rentan.paths import DBT_PROJECT_DIR, EXPECTATIONS_DIR
from rentan.validate import sentences as check_sentences
from rentan.validate.data_docs import make_offline
from rentan.warehouse import open_connection

log = logging.getLogger(__name__)

SUITES_DIR = EXPECTATIONS_DIR / "suites"
DATA_DOCS_ENV = "RENTAN_DATA_DOCS_DIR"
DEFAULT_DATA_DOCS_DIR = EXPECTATIONS_DIR / "uncommitted" / "data_docs"  # git-ignored
# Our severities, and what they are called in GX. dbt: `error` -> fail, `warn` -> warn.
SEVERITIES = {"fail": "critical", "warn": "warning"}
DBT_SEVERITIES = {"error": "fail", "warn": "warn"}
DBT_SUITE = "dbt"
SAMPLE_ROWS = 20  # failing rows or values kept per check in audit.validation_results
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Check:
    suite: str
    name: str
    severity: str
    description: str
    expect: str | None = None  # a GX expectation class, with `kwargs`
    kwargs: dict = field(default_factory=dict)
    unexpected_rows: str | None = None  # or SQL returning the failing rows of {batch}


@dataclass(frozen=True)
class Batch:
    suite: str
    name: str
    needs: tuple[str, ...]  # schema.model of the dbt models the query reads
    query: str
    checks: tuple[Check, ...]
    compares_with: tuple[str, ...] = ()  # published relations (schema.name) the query reads


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


# -- the suites -----------------------------------------------------------------------


def load_suites(directory: Path = SUITES_DIR) -> dict[str, list[Batch]]:
    """Every family's batches, from its YAML file; a malformed check is an error here, not at run time."""
    suites = {}
    for path in sorted(directory.glob("*.yml")):
        doc = yaml.safe_load(path.read_text())
        suite = doc["suite"]
        suites[suite] = [_batch(suite, b, path) for b in doc["batches"]]
    return suites


def _batch(suite: str, spec: dict, path: Path) -> Batch:
    checks = []
    for c in spec["checks"]:
        where = f"{path.name}: {suite}.{c.get('name')}"
        if c.get("severity") not in SEVERITIES:
            raise ValueError(f"{where}: severity must be one of {', '.join(SEVERITIES)}")
        if bool(c.get("expect")) == bool(c.get("unexpected_rows")):
            raise ValueError(f"{where}: give exactly one of `expect` and `unexpected_rows`")
        if c.get("unexpected_rows") and "{batch}" not in c["unexpected_rows"]:
            raise ValueError(f"{where}: unexpected_rows must select from {{batch}}")
        checks.append(
            Check(
                suite,
                c["name"],
                c["severity"],
                " ".join(c.get("description", "").split()),
                c.get("expect"),
                c.get("with") or {},
                c.get("unexpected_rows"),
            )
        )
    return Batch(
        suite,
        spec["name"],
        tuple(spec.get("needs") or ()),
        spec["query"],
        tuple(checks),
        tuple(spec.get("compares_with") or ()),
    )


def suite_names() -> list[str]:
    return list(load_suites())


def render(text: str, values: dict[str, str]) -> str:
    """Fill {name} placeholders (schemas, parameters); leave the others ({batch} is GX's)."""
    return _PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), text)


def _sql_literal(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


# -- running them ---------------------------------------------------------------------


def run_checks(
    url: str,
    params: dict[str, Any],
    schemas: dict[str, str],
    run_name: str | None = None,
    docs_dir: Path | None = None,
    carried_over: tuple[str, ...] = (),
    carried_from: str | None = None,
) -> list[CheckResult]:
    """Run every suite against the relations of `schemas` (e.g. ops -> ops_build); build the Data Docs.

    An incremental build carries relations over unchanged from the published run `carried_from`
    (same inputs, same parameters): a batch that reads only those keeps that run's results.
    """
    results, runnable = [], []
    with open_connection(url, autocommit=True) as conn:
        for batch in (b for batches in load_suites().values() for b in batches):
            previous = _previous_results(conn, batch, carried_from) if set(batch.needs) <= set(carried_over) else None
            if previous:
                results += previous
                continue
            missing = _missing_relations(conn, batch, schemas)
            if missing is None:
                runnable.append(batch)
                continue
            success, details = missing
            results += [
                CheckResult(batch.suite, c.name, "fail" if success is False else c.severity, success, details=details)
                for c in batch.checks
            ]
    values = {**schemas, **{name: _sql_literal(v) for name, v in params.items()}}
    if runnable:
        results += _run_gx(url, params, runnable, values, run_name, docs_dir or data_docs_dir())
    return results


def _previous_results(conn, batch: Batch, run_id: str | None) -> list[CheckResult] | None:
    """The results `run_id` recorded for every check of `batch`, marked as carried over; None if any is missing."""
    if not batch.needs or run_id is None:
        return None
    rows = conn.execute(
        """select check_name, severity, success, observed_value, unexpected_count, details
           from audit.validation_results where run_id = %s and suite = %s and check_name = any(%s)""",
        (run_id, batch.suite, [c.name for c in batch.checks]),
    ).fetchall()
    if len(rows) < len(batch.checks):
        return None
    return [
        CheckResult(
            batch.suite, name, severity, success, observed, unexpected, {**details, "carried_over_from": run_id}
        )
        for name, severity, success, observed, unexpected, details in rows
    ]


def _missing_relations(conn, batch: Batch, schemas: dict[str, str]) -> tuple[bool | None, dict] | None:
    """None when every relation the batch needs is there; else (success, details): skipped or failed."""
    for published in batch.compares_with:
        if conn.execute("select to_regclass(%s) is null", (published,)).fetchone()[0]:
            return None, {"note": f"skipped: nothing published to compare with yet ({published} does not exist)"}
    for need in batch.needs:
        schema, model = need.split(".")
        relation = f"{schemas.get(schema, schema)}.{model}"
        if not model_in_project(model):
            note = f"skipped: model {need} is not in the dbt project yet"
            return None, {"note": note}
        if conn.execute("select to_regclass(%s) is null", (relation,)).fetchone()[0]:
            error = f"{relation} is missing from the build although dbt_project has the model {need}"
            return False, {"error": error}
    return None


def model_in_project(model: str) -> bool:
    models = DBT_PROJECT_DIR / "models"
    return any(models.rglob(f"{model}.sql")) or any(models.rglob(f"{model}.py"))


def data_docs_dir() -> Path:
    return Path(os.environ.get(DATA_DOCS_ENV) or DEFAULT_DATA_DOCS_DIR)


def _run_gx(
    url: str, params: dict, batches: list[Batch], values: dict[str, str], run_name: str | None, docs_dir: Path
) -> list[CheckResult]:
    with _quiet_gx():
        import great_expectations as gx
        from great_expectations.core.run_identifier import RunIdentifier

        for pages in ("validations", "expectations"):  # the index shows this run only: drop older pages
            shutil.rmtree(docs_dir / pages, ignore_errors=True)
        context = _context(docs_dir)
        source = context.data_sources.add_sql("warehouse", connection_string=sqlalchemy_url(url))
        definitions = []
        for batch in batches:
            name = f"{batch.suite}.{batch.name}"
            asset = source.add_query_asset(name, query=_select(render(batch.query, values)))
            suite = context.suites.add(gx.ExpectationSuite(name=name))
            for check in batch.checks:
                suite.add_expectation(_expectation(check, values))
            definitions.append(
                context.validation_definitions.add(
                    gx.ValidationDefinition(
                        name=name, data=asset.add_batch_definition_whole_table("whole"), suite=suite
                    )
                )
            )
        checkpoint = context.checkpoints.add(
            gx.Checkpoint(
                name="rentan",
                validation_definitions=definitions,
                actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs")],
                result_format={"result_format": "COMPLETE", "partial_unexpected_count": SAMPLE_ROWS},
            )
        )
        try:
            outcome = checkpoint.run(expectation_parameters=params, run_id=RunIdentifier(run_name=run_name))
        finally:
            source.get_engine().dispose()
        make_offline(docs_dir)  # local CSS/JS: the Data Docs work without the network
    return [_check_result(r) for run in outcome.run_results.values() for r in run.results]


def _select(query: str) -> str:
    """GX wants a query asset to start with SELECT: wrap one that starts with WITH."""
    query = query.strip().rstrip(";")
    if query.lower().startswith("select"):
        return query
    return f"select * from (\n{query}\n) as batch_query"  # noqa: S608 - the suites' own SQL, not input


def _context(docs_dir: Path):
    """An in-memory context (nothing to keep in sync on disk) whose Data Docs go to `docs_dir`."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    site = {
        "class_name": "SiteBuilder",
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
    }
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
        data_docs_sites={"local": site},
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _expectation(check: Check, values: dict[str, str]):
    import great_expectations.expectations as gxe

    common = {
        "meta": {"suite": check.suite, "check": check.name, "severity": check.severity},
        "severity": SEVERITIES[check.severity],
        "description": check.description or None,
    }
    if check.unexpected_rows:
        return gxe.UnexpectedRowsExpectation(
            unexpected_rows_query=render(check.unexpected_rows, values).strip(), **common
        )
    return getattr(gxe, check.expect)(**check.kwargs, **common)


def _check_result(r) -> CheckResult:
    config = r.expectation_config
    result = dict(r.result or {})
    details: dict[str, Any] = {"expectation": config.type}
    if config.description:
        details["description"] = config.description
    error = _exception_message(r.exception_info)
    if error:
        details["error"] = error
    sample = (result.get("details") or {}).get("unexpected_rows") or result.get("partial_unexpected_list")
    if sample:
        details["unexpected"] = sample[:SAMPLE_ROWS]
    count = result.get("unexpected_count")
    if count is None and config.type == "unexpected_rows_expectation":
        count = result.get("observed_value")
    return CheckResult(
        config.meta["suite"],
        config.meta["check"],
        config.meta["severity"],
        bool(r.success),
        result.get("observed_value"),
        count,
        details,
    )


def _exception_message(info) -> str | None:
    """GX puts one exception_info per expectation, or one per failed metric: the first message either way."""
    if not info:
        return None
    if "exception_message" in info:
        return info["exception_message"] if info.get("raised_exception") else None
    return next(
        (v["exception_message"] for v in info.values() if isinstance(v, dict) and v.get("raised_exception")), None
    )


def sqlalchemy_url(url: str) -> str:
    """The psycopg2 SQLAlchemy URL of GX's SQL data source, from a libpq URL (TCP or a Unix socket).

    A socket directory cannot be a URL's host: it goes into the query (`?host=/dir&port=N`),
    which psycopg2 passes on to libpq like any connection option. (GX's own postgres data
    source validates the URL as TCP-only, hence the generic SQL one.)
    """
    from sqlalchemy.engine import URL

    info = conninfo_to_dict(url)
    host, port = info.pop("host", None), info.pop("port", None)
    user, password, database = info.pop("user", None), info.pop("password", None), info.pop("dbname", None)
    query = {name: str(value) for name, value in info.items()}  # sslmode and the like, as given
    if host and host.startswith("/"):
        query.update({"host": host, **({"port": str(port)} if port else {})})
        host = port = None
    return URL.create(
        "postgresql+psycopg2",
        username=user,
        password=password,
        host=host,
        port=int(port) if port else None,
        database=database,
        query=query,
    ).render_as_string(hide_password=False)


@contextlib.contextmanager
def _quiet_gx():
    """GX logs and warns a lot at INFO; the task log keeps only its errors and our summary."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    gx_log = logging.getLogger("great_expectations")
    level = gx_log.level
    gx_log.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        gx_log.setLevel(level)


# -- results in audit -----------------------------------------------------------------


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


def dbt_test_results(run, manifest_path: Path) -> list[CheckResult]:
    """dbt's data and unit tests of a run as checks of suite `dbt`, severity from their config."""
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    nodes = {**manifest.get("nodes", {}), **manifest.get("unit_tests", {})}
    results = []
    for node in run.results:
        if node["resource_type"] not in ("test", "unit_test"):
            continue
        configured = str((nodes.get(node["unique_id"], {}).get("config") or {}).get("severity") or "error").lower()
        severity = "warn" if node["status"] == "warn" else DBT_SEVERITIES.get(configured, "fail")
        success = {"pass": True, "skipped": None}.get(node["status"], False)
        details = {"status": node["status"], "message": node["message"]} if node["message"] else {}
        results.append(CheckResult(DBT_SUITE, node["unique_id"], severity, success, details=details))
    return results


# -- for people -----------------------------------------------------------------------


def summarize(results: list[CheckResult]) -> str:
    """One line per family: passed / failed / warned / skipped counts."""
    by_suite = defaultdict(Counter)
    for r in results:
        by_suite[r.suite][_outcome(r.success, r.severity)] += 1
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


def _outcome(success: bool | None, severity: str) -> str:
    if success is None:
        return "skipped"
    return "passed" if success else ("failed" if severity == "fail" else "warned")


def print_validation_summary(conn: psycopg.Connection, run_id: str | None = None) -> bool | None:
    """Print a run's outcome per suite (latest run by default), its failures and the Data Docs path.

    Returns True when no fail-level check failed, False otherwise, None when there are no results.
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
        print("validation: no results yet")
        return None
    results = [CheckResult(*row) for row in rows]
    passed = not any(r.blocking for r in results)
    print(f"validation {run_id}: {'PASSED' if passed else 'FAILED: not published'}")
    by_suite = defaultdict(Counter)
    for r in results:
        by_suite[r.suite][_outcome(r.success, r.severity)] += 1
    for suite, counts in sorted(by_suite.items()):
        verdict = "FAILED" if counts["failed"] else "passed"
        extra = "".join(f", {counts[k]} {k}" for k in ("failed", "warned", "skipped") if counts[k])
        print(f"  {suite:<16}{verdict:<8}{counts['passed']}/{sum(counts.values())} passed{extra}")
    for r in results:
        if r.success is False:
            print(f"  {'FAIL' if r.severity == 'fail' else 'WARN'} {check_sentences.sentence(conn, r, run_id)}")
    index = data_docs_dir() / "index.html"
    print(f"  Data Docs: {index if index.exists() else '(not built here)'}")
    return passed
