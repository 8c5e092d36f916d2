"""Publish: only if every declared check passed, one transaction swaps the build into ops and
marts and logs the version in meta.publish_log (and the run in meta.run_log).
"""

from __future__ import annotations

import json
import logging
import time

from rentan.paths import DBT_MANIFEST
from rentan.publish import ledger
from rentan.publish import swap as publisher
from rentan.wap import cohort
from rentan.wap.builds import build_schemas
from rentan.wap.failures import PublishRefused, TransformFailed
from rentan.wap.suites import declared_checks
from rentan.warehouse import connect, warehouse_url
from rentan.warehouse.locks import stage_lock

log = logging.getLogger(__name__)


def publish(run_id: str, seconds: dict | None = None, reselect: str | None = None) -> dict:
    """Swap the validated build into ops and marts; record the version in meta.publish_log and meta.run_log,
    a change of the selected cohort in audit.cohort_decisions and the version's decisions in the ledger
    (rentan.publish.ledger), in the same transaction."""
    started = time.monotonic()
    url = warehouse_url()
    manifest = DBT_MANIFEST
    if not manifest.exists():
        raise TransformFailed(
            f"not published: the build's dbt manifest {manifest} is missing, so its tests are unknown"
        )
    declared = [*declared_checks(manifest), *(f"{cohort.SUITE}.{name}" for name in cohort.CHECKS)]
    with stage_lock(url, "publish", run_id), connect(url) as conn:
        try:
            with conn.transaction():
                change = cohort.compare(conn, build_schemas()["ops"])
                fresh = cohort.frozen_size(conn, reselect) is None
                published = publisher.publish(conn, run_id, declared)
                decision = cohort.record(conn, run_id, change, reselect)
                decided = ledger.append(
                    conn,
                    run_id,
                    published["version"],
                    fresh=fresh,
                    cohort_changed=change.changed,
                    cohort_decision_id=decision,
                    reselect=reselect,
                )
        except PublishRefused as refused:
            raise TransformFailed(f"not published: {refused}") from None
        conn.execute(
            """insert into meta.run_log (run_id, dag_id, summary) values (%s, 'rentan_transform', %s)
               on conflict (run_id, dag_id) do update
               set summary = excluded.summary, finished_at = clock_timestamp()""",
            (
                run_id,
                json.dumps(
                    {
                        "published_version": published["version"],
                        "relations": published["relations"],
                        "ledger": decided,
                        "seconds": {**(seconds or {}), "publish": round(time.monotonic() - started, 2)},
                    }
                ),
            ),
        )
    log.info("published version %d of run %s: %s", published["version"], run_id, ", ".join(published["relations"]))
    log.info(
        "decision ledger: era %d%s, %d call(s), %d skip(s), %d capacity change(s) appended",
        decided["era"],
        " (new)" if decided["new_era"] else "",
        decided["calls"],
        decided["skips"],
        decided["capacity_changes"],
    )
    return {**published, "ledger": decided}
