"""Issue 23, case 4: other logins can neither stall nor bypass the pipeline.

A real BI login (a member of rentan_bi, as Superset connects) tries to take the pipeline's
stage lock, and holds a published relation in a transaction it leaves open; the pipeline's
lock and publish go on regardless.
"""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

from rentan.publish import swap as publish
from rentan.warehouse import locks
from tests.test_publish import stage
from tests.test_validation import reader_logins

ADVISORY_CALLS = [
    "select pg_advisory_lock(2775, 2)",
    "select pg_try_advisory_lock(2775, 2)",
    "select pg_advisory_lock(2775002)",
    "select pg_advisory_xact_lock_shared(2775, 3)",
]


@pytest.mark.parametrize("call", ADVISORY_CALLS)
def test_a_reader_login_cannot_take_the_pipelines_advisory_locks(fresh_url, call):
    with reader_logins(fresh_url) as logins:
        for login in logins.values():
            with psycopg.connect(login, autocommit=True) as reader:
                with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied for function"):
                    reader.execute(call)
    with locks.stage_lock(fresh_url, "transform", "r1", wait_seconds=0):
        pass  # the pipeline still takes its own


def test_a_bi_session_idle_in_an_open_transaction_does_not_hold_the_publish_back(conn, fresh_url):
    stage(conn, "r1", 1)
    publish.publish(conn, "r1", declared_checks=[])
    stage(conn, "r2", 2)
    with reader_logins(fresh_url) as logins, psycopg.connect(logins["rentan_bi"]) as bi:
        bi.execute("select capacity from marts.program_capacity").fetchone()  # BEGIN; ...; then idle, forever
        started = time.monotonic()
        published = publish.publish(conn, "r2", declared_checks=[])
        waited = time.monotonic() - started
        assert published["version"] == 2
        assert publish.READERS_GRACE_SECONDS <= waited < publish.LOCK_WAIT_SECONDS
        with pytest.raises(psycopg.OperationalError):  # its session was ended; a new one reads version 2
            bi.execute("select 1")
        with psycopg.connect(logins["rentan_bi"], autocommit=True) as again:
            assert again.execute("select tag from marts.program_capacity").fetchone() == (2,)


def test_a_bi_session_holding_the_stage_lock_is_impossible_so_the_transform_never_waits_for_it(fresh_url):
    """The issue's attack: `select pg_advisory_lock(2775, 2)` as rentan_bi_user held the transform 600 s."""
    with reader_logins(fresh_url) as logins, psycopg.connect(logins["rentan_bi"], autocommit=True) as bi:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            bi.execute("select pg_advisory_lock(%s, %s)", (locks.NAMESPACE, locks.STAGES["transform"]))
        done = threading.Event()

        def take() -> None:
            with locks.stage_lock(fresh_url, "transform", "r1", wait_seconds=1):
                done.set()

        thread = threading.Thread(target=take)
        thread.start()
        thread.join(timeout=10)
        assert done.is_set()
