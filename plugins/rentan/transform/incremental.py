"""Incremental builds: rebuild only what depends on the feeds that changed since the published build.

A transform run compares its inputs with those of the last successful dbt build: the LOADED
batches of each feed, the programme parameters, the dbt project's files and the pseudonym
key's fingerprint. The build is incremental only when that build is the published one (so
the staging and intermediate tables, which are built in place, match what readers see) and
only feeds changed: dbt then builds what reads the changed feeds (`source:raw.<feed>+`), and
every ops or marts model outside that selection is carried over from the published schemas
(the dbt macro carry_over_unselected; publish keeps the published table). A feed whose new
snapshots are all dated after selection_date (a month's Dukcapil and BPJS membership
snapshots) leaves the models tagged `at_selection` unchanged, and what reads the feed only
through them (eligibility, ranking, selection) is not rebuilt either. The decision ledger
(schema history) grows when a version is published, after its build: what reads it
(`source:history+`) is rebuilt whenever it changed since. Anything else, or no feed changed
at all, is a full build.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import psycopg
from psycopg.types.json import Jsonb

from rentan.paths import DBT_MANIFEST, DBT_PROJECT_DIR, EXPECTATIONS_DIR, REPO_ROOT

# What a build and its validation read besides the data: any change here means a full build
# (and every check run again: an incremental run keeps the published results of checks that
# read only carried-over relations).
PROJECT_FILES = [
    DBT_PROJECT_DIR / name for name in ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests")
] + [EXPECTATIONS_DIR / "suites"]
# The dbt tag of the models that read only a feed's snapshot in force on selection_date (macro latest_batch).
AT_SELECTION_TAG = "at_selection"


def project_fingerprint() -> str:
    """A hash of the dbt project's and the suites' files (their paths and contents)."""
    digest = hashlib.sha256()
    for path in PROJECT_FILES:
        for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if file.is_file():
                digest.update(str(file.relative_to(REPO_ROOT)).encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def current_inputs(
    conn: psycopg.Connection, params: dict, key_fingerprint: str, reselect: bool = False, ledger_fresh: bool = False
) -> dict:
    """What this run's build would read: per feed its LOADED batch ids, the ledger's size, and the rest.

    A `--reselect` build reads no ledger (rentan.wap.cohort): it, and the build after it, are full.
    """
    batches = dict(
        conn.execute(
            """select feed, array_agg(batch_id order by batch_id) from meta.load_manifest
           where status = 'LOADED' group by feed"""
        ).fetchall()
    )
    return {
        "batches": batches,
        "params": json.loads(json.dumps(params, sort_keys=True, default=str)),
        "project": project_fingerprint(),
        "key": key_fingerprint,
        "reselect": reselect,
        "ledger": ledger_state(conn, ledger_fresh),
    }


def ledger_state(conn: psycopg.Connection, fresh: bool) -> dict:
    """The decision ledger as a build reads it: its latest era and how many rows each table holds."""
    era, calls, skips, changes = conn.execute(
        """select (select max(era) from history.eras), (select count(*) from history.calls),
                  (select count(*) from history.skips), (select count(*) from history.capacity_changes)"""
    ).fetchone()
    return {"era": era, "calls": calls, "skips": skips, "capacity_changes": changes, "fresh": fresh}


def plan(conn: psycopg.Connection, inputs: dict) -> tuple[list[str] | None, str]:
    """The dbt selection of an incremental build (None: build everything), and why, for the log."""
    published = conn.execute("select run_id from meta.publish_log order by version desc limit 1").fetchone()
    state = conn.execute("select run_id, inputs from meta.build_state").fetchone()
    if published is None or state is None or state[0] != published[0]:
        return None, "full build: the last successful build is not the published one"
    previous = state[1]
    changed = sorted(
        name for name in ("params", "project", "key", "reselect") if previous.get(name, False) != inputs[name]
    )
    if changed:
        return None, f"full build: {', '.join(changed)} changed since the published build"
    feeds = sorted(
        feed
        for feed in {*inputs["batches"], *previous["batches"]}
        if inputs["batches"].get(feed) != previous["batches"].get(feed)
    )
    if not feeds:
        return None, "full build: no feed changed since the published build"
    later = dated_after_selection(conn, feeds, previous["batches"], inputs)
    selection = reading(feeds, later)
    said = [f"{feed} (after selection_date)" if feed in later else feed for feed in feeds]
    if previous.get("ledger") != inputs["ledger"]:
        selection.append("source:history+")
        said.append("the decision ledger")
    return selection, f"incremental build: {', '.join(said)} changed"


def dated_after_selection(conn: psycopg.Connection, feeds: list[str], previous: dict, inputs: dict) -> set[str]:
    """The changed feeds whose added and withdrawn batches are all snapshots dated after selection_date.

    Such a change leaves the feed's snapshot in force on selection_date as it was. A batch that
    meta.load_manifest does not date (or no longer holds) counts as one dated on or before it.
    """
    later = set()
    for feed in feeds:
        changed = sorted(set(inputs["batches"].get(feed) or []) ^ set(previous.get(feed) or []))
        (after,) = conn.execute(
            """select count(*) from meta.load_manifest where batch_id = any(%s) and snapshot_date > %s::date""",
            (changed, inputs["params"]["selection_date"]),
        ).fetchone()
        if after == len(changed):
            later.add(feed)
    return later


def reading(feeds: list[str], later: set[str], manifest_path: Path = DBT_MANIFEST) -> list[str]:
    """dbt's selection of the models that read the changed `feeds`.

    For a feed in `later` (dated_after_selection), the models tagged at_selection keep their rows,
    so a model reading the feed only through them is left out; one that also reads it otherwise
    (the latest snapshot: deaths, the waiting list's re-check, person_case_dukcapil_latest) is in.
    The graph is the manifest of dbt's last parse of these project files (a build is incremental
    only when they are the published build's); without one, everything downstream of the feed is
    rebuilt.
    """
    if not later or not manifest_path.exists():
        return [f"source:raw.{feed}+" for feed in feeds]
    manifest = json.loads(manifest_path.read_text())
    # A view is made again whenever what it reads is (dbt drops the old one, cascading): only a table stays.
    frozen = {
        uid
        for uid, node in manifest["nodes"].items()
        if AT_SELECTION_TAG in node.get("tags", []) and node["config"].get("materialized") != "view"
    }
    sources = {(node["source_name"], node["name"]): uid for uid, node in manifest["sources"].items()}
    models, todo = set(), [sources[("raw", feed)] for feed in later]
    while todo:
        for child in manifest["child_map"].get(todo.pop(), []):
            if child.startswith("model.") and child not in frozen and child not in models:
                models.add(child)
                todo.append(child)
    names = sorted(manifest["nodes"][uid]["name"] for uid in models)
    return [f"source:raw.{feed}+" for feed in feeds if feed not in later] + names


def forget(conn: psycopg.Connection) -> None:
    """A build is starting: until it succeeds, staging and intermediate match no recorded inputs."""
    conn.execute("delete from meta.build_state")


def remember(conn: psycopg.Connection, run_id: str, inputs: dict) -> None:
    """The build of `run_id` succeeded on `inputs`."""
    conn.execute("insert into meta.build_state (run_id, inputs) values (%s, %s)", (run_id, Jsonb(inputs)))


def published_with(conn: psycopg.Connection, batch_ids: list[int]) -> int | None:
    """The published version already built from every one of `batch_ids`, or None.

    The ingest DAG emits one asset event per feed, a few seconds apart, and each may start a
    transform run: the first builds every batch loaded by then, and a run started by a later
    event of the same ingest finds its batches already published (rentan_transform skips it).
    """
    if not batch_ids:
        return None
    row = conn.execute(
        """select version, inputs -> 'batches' from meta.publish_log order by version desc limit 1"""
    ).fetchone()
    if row is None or not row[1]:
        return None
    published = {batch for batches in row[1].values() for batch in batches}
    return row[0] if set(batch_ids) <= published else None
