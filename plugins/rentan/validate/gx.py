"""Run the Great Expectations suites over a build.

GX runs through its own 1.x API (Airflow's GX provider does not install with Airflow 3.3):
an ephemeral context, a SQL data source on the warehouse's URL (TCP or a Unix socket), one query asset,
suite and validation definition per batch of a family, one checkpoint, then the Data Docs
built once. Thresholds are GX suite parameters (`{$PARAMETER: quota}`) or SQL placeholders
(`{budget_idr}`), both filled from rentan.parameters: never literals.

A build without a relation a batch needs fails that batch's checks. A batch that compares the
build with what is published is recorded as skipped, with a note, until a version is published.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import warnings
from pathlib import Path
from typing import Any

from psycopg.conninfo import conninfo_to_dict

from rentan.validate.data_docs import data_docs_dir, make_offline
from rentan.validate.results import SAMPLE_ROWS
from rentan.wap.checks import CheckResult
from rentan.wap.suites import SEVERITIES, Batch, Check, load_suites, render, sql_literal
from rentan.warehouse import open_connection

log = logging.getLogger(__name__)


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
    values = {**schemas, **{name: sql_literal(v) for name, v in params.items()}}
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
    """None when every relation the batch reads is there; else (success, details): skipped or failed.

    Nothing published to compare with is a skip (recorded with its note); a needed relation
    missing from the build is a failure (every name in `needs` is a dbt model: suites.load_suites).
    """
    for published in batch.compares_with:
        if conn.execute("select to_regclass(%s) is null", (published,)).fetchone()[0]:
            return None, {"note": f"skipped: nothing published to compare with yet ({published} does not exist)"}
    for need in batch.needs:
        schema, model = need.split(".")
        relation = f"{schemas.get(schema, schema)}.{model}"
        if conn.execute("select to_regclass(%s) is null", (relation,)).fetchone()[0]:
            return False, {"error": f"{relation} is missing from the build although dbt_project has the model {need}"}
    return None


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
                result_format={"result_format": "COMPLETE", "partial_unexpected_count": SAMPLE_ROWS},
            )
        )
        try:
            outcome = checkpoint.run(expectation_parameters=params, run_id=RunIdentifier(run_name=run_name))
        finally:
            source.get_engine().dispose()
        # Once, after every batch: GX's UpdateDataDocsAction rebuilds the site and its index after each
        # batch's result (20 batches: 12 s of a 13 s validation at 3,000 people).
        context.build_data_docs()
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
