"""The ingest DAG's steps, kept out of the DAG file so they are plain, testable functions."""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from pathlib import Path

from rentan.ingest import checksums
from rentan.ingest.contracts import CONTRACTS
from rentan.ingest.landing import LandingFile, scan_all, split_new_and_loaded
from rentan.ingest.loader import load_file
from rentan.warehouse import connect, warehouse_url
from rentan.warehouse.locks import stage_lock

log = logging.getLogger(__name__)


def discover(landing: str, recheck: bool = False) -> dict:
    """Scan the landing area and split it into new files and files loaded before (the warehouse is migrated).

    A file unchanged since its checksum was recorded is not read again; `recheck` hashes
    every file (rentan.ingest.checksums says what the cache cannot see).
    """
    with connect() as conn:
        cache = checksums.recorded(conn, recheck)
    files, ignored = scan_all(Path(landing), checksums=cache)
    with connect() as conn:
        checksums.record(conn, cache, Path(landing), [f.path for f in files])
        new, skipped = split_new_and_loaded(conn, files)
    log.info(
        "checksums: %d file(s) hashed, %d unchanged since hashed%s",
        cache.hashed,
        cache.reused,
        " (recheck: every file hashed)" if recheck else "",
    )
    for f in skipped:
        log.info("skip %s: this exact file was loaded before", f.name)
    log.info("%d new file(s), %d already loaded, %d other entries not loaded", len(new), len(skipped), len(ignored))
    return {
        "new": [f.to_dict() for f in new],
        "skipped": [f.to_dict() for f in skipped],
        "ignored": [{"feed": i.feed, "name": i.name, "reason": i.reason} for i in ignored],
    }


def load(landing_file: dict, run_id: str) -> dict:
    """Load one file under the ingest lock; a file another run loaded meanwhile is skipped, not loaded twice."""
    url = warehouse_url()
    landing = LandingFile(**landing_file)
    with stage_lock(url, "ingest", run_id), connect(url) as conn:
        new, _ = split_new_and_loaded(conn, [landing])
        if not new:
            log.info("skip %s: another run loaded this exact file meanwhile", landing.name)
            return {"feed": landing.feed, "file": landing.name, "status": "SKIPPED"}
        result = load_file(conn, landing, run_id)
    for warning in result["warnings"]:
        log.warning(warning)
    log.info(
        "%s: %d read, %d loaded, %d quarantined %s",
        result["file"],
        result["rows_read"],
        result["rows_loaded"],
        result["rows_quarantined"],
        result["quarantined_by_reason"],
    )
    return result


def summarize(results: list[dict], discovered: dict, run_id: str, dag_id: str) -> dict:
    """Per feed: files loaded, skipped and not loaded (with why), rows loaded and quarantined; in meta.run_log.

    Runs after every load, failed or not: the good files of a run with a rejected one still
    count (and their feeds' assets are emitted); the files not loaded are listed for
    `rejected` and are tried again on the next run.
    """
    feeds = {feed: defaultdict(int, batch_ids=[], files_not_loaded=[], warnings=[]) for feed in CONTRACTS}
    ignored = discovered.get("ignored") or []
    done = set()
    for result in results:
        summary = feeds[result["feed"]]
        done.add(result["file"])
        if result.get("status") == "SKIPPED":
            summary["files_skipped"] += 1
            continue
        summary["files_loaded"] += 1
        summary["rows_loaded"] += result["rows_loaded"]
        summary["rows_quarantined"] += result["rows_quarantined"]
        summary["batch_ids"].append(result["batch_id"])
        summary["warnings"] += result.get("warnings", [])
    for f in discovered["skipped"]:
        feeds[f["feed"]]["files_skipped"] += 1
    with connect() as conn:
        errors = dict(
            conn.execute(
                "select file_name, error from meta.load_manifest where run_id = %s and status = 'REJECTED'", (run_id,)
            ).fetchall()
        )
        for f in discovered["new"]:
            if f["name"] not in done:
                feeds[f["feed"]]["files_not_loaded"].append(
                    {"file": f["name"], "error": errors.get(f["name"]) or "its load_file task failed: see its log"}
                )
        summary = {
            feed: {
                "files_loaded": s["files_loaded"],
                "files_skipped": s["files_skipped"],
                "rows_loaded": s["rows_loaded"],
                "rows_quarantined": s["rows_quarantined"],
                "batch_ids": s["batch_ids"],
                "files_not_loaded": s["files_not_loaded"],
                "warnings": s["warnings"],
                "ignored": [{"name": i["name"], "reason": i["reason"]} for i in ignored if i["feed"] == feed],
            }
            for feed, s in feeds.items()
        }
        summary_ignored = [{"name": i["name"], "reason": i["reason"]} for i in ignored if i["feed"] is None]
        conn.execute(
            """insert into meta.run_log (run_id, dag_id, summary) values (%s, %s, %s)
               on conflict (run_id, dag_id) do update set summary = excluded.summary,
                   finished_at = clock_timestamp()""",
            (run_id, dag_id, json.dumps({**summary, "_landing": {"ignored": summary_ignored}})),
        )
    log.info("ingest summary: %s", json.dumps(summary))
    return summary


def not_loaded(summary: dict) -> str | None:
    """One line naming every file of the run that was not loaded and why; None when all were."""
    files = [f"{f['file']} ({f['error']})" for feed in summary.values() for f in feed["files_not_loaded"]]
    if not files:
        return None
    return (
        f"{len(files)} file(s) not loaded, tried again on the next run once fixed: {'; '.join(files)}. "
        "The other files were loaded and their feeds sent on to the transform."
    )
