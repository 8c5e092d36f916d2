"""A transform run started by asset events whose batches are already published is skipped.

The ingest emits one asset event per feed, seconds apart; under the scheduler each could start
a transform run that built and published the same inputs again (seen in the scheduler year).
"""

from __future__ import annotations

from types import SimpleNamespace

from psycopg.types.json import Jsonb

from rentan.transform import steps
from rentan.transform.incremental import published_with


def publish(conn, batches: dict) -> int:
    return conn.execute(
        "insert into meta.publish_log (run_id, relations, inputs) values ('r', '{}', %s) returning version",
        (Jsonb({"batches": batches}),),
    ).fetchone()[0]


def events(*batch_lists):
    return {f"rentan.raw.{n}": [SimpleNamespace(extra={"batch_ids": ids})] for n, ids in enumerate(batch_lists)}


def test_batches_all_in_the_latest_published_version_name_it(conn):
    assert published_with(conn, [1]) is None  # nothing published
    publish(conn, {"dtsen": [1], "dukcapil": [2, 3]})
    version = publish(conn, {"dtsen": [1], "dukcapil": [2, 3], "bpjs_iuran": [4]})
    assert published_with(conn, [3, 4]) == version
    assert published_with(conn, [4, 5]) is None  # batch 5 is not published: build it
    assert published_with(conn, []) is None


def test_the_task_reads_the_batches_of_its_triggering_events(conn, fresh_url, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_URL", fresh_url)
    version = publish(conn, {"dtsen": [1], "dukcapil": [2]})
    assert steps.already_published(events([1], [2])) == version
    assert steps.already_published(events([1], [2, 9])) is None
    assert steps.already_published({}) is None  # a manual run (rentan run): always builds
    assert steps.already_published(None) is None
