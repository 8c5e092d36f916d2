"""The ingest DAG's steps, kept out of the DAG file so they are plain, testable functions."""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from pathlib import Path

from rentan.ingest.contracts import CONTRACTS
from rentan.ingest.landing import LandingFile, scan, split_new_and_loaded
from rentan.ingest.loader import load_file
from rentan.migrate import migrate
from rentan.warehouse import connect

log = logging.getLogger(__name__)


def discover(landing: str) -> dict:
    """Migrate, scan the landing area, and split it into new files and files loaded before."""
    with connect() as conn:
        migrate(conn)
        new, skipped = split_new_and_loaded(conn, scan(Path(landing)))
    for f in skipped:
        log.info("skip %s: this exact file was loaded before", f.name)
    log.info("%d new file(s), %d already loaded", len(new), len(skipped))
    return {"new": [f.to_dict() for f in new], "skipped": [f.to_dict() for f in skipped]}


def load(landing_file: dict, run_id: str) -> dict:
    with connect() as conn:
        result = load_file(conn, LandingFile(**landing_file), run_id)
    for warning in result["warnings"]:
        log.warning(warning)
    log.info("%s: %d read, %d loaded, %d quarantined %s", result["file"], result["rows_read"],
             result["rows_loaded"], result["rows_quarantined"], result["quarantined_by_reason"])
    return result


def summarize(results: list[dict], skipped: list[dict], run_id: str, dag_id: str) -> dict:
    """Per feed: files loaded and skipped, rows loaded and quarantined; stored in meta.run_log."""
    feeds = {feed: defaultdict(int, batch_ids=[]) for feed in CONTRACTS}
    for result in results:
        summary = feeds[result["feed"]]
        summary["files_loaded"] += 1
        summary["rows_loaded"] += result["rows_loaded"]
        summary["rows_quarantined"] += result["rows_quarantined"]
        summary["batch_ids"].append(result["batch_id"])
    for f in skipped:
        feeds[f["feed"]]["files_skipped"] += 1
    summary = {feed: {"files_loaded": s["files_loaded"], "files_skipped": s["files_skipped"],
                      "rows_loaded": s["rows_loaded"], "rows_quarantined": s["rows_quarantined"],
                      "batch_ids": s["batch_ids"]} for feed, s in feeds.items()}
    with connect() as conn:
        conn.execute(
            """insert into meta.run_log (run_id, dag_id, summary) values (%s, %s, %s)
               on conflict (run_id, dag_id) do update set summary = excluded.summary,
                   finished_at = clock_timestamp()""",
            (run_id, dag_id, json.dumps(summary)))
    log.info("ingest summary: %s", json.dumps(summary))
    return summary
