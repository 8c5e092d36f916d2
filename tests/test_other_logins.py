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


NIK = "3275014101900001"


def stage_people(conn, run_id: str, tag: int) -> None:
    """A small build whose ops relations hold personal data, published as `run_id`."""
    stage(conn, run_id, tag)
    conn.execute(
        f"create table ops_build.person_case as select nik, 'ORANG ' || nik as nama_lengkap, {tag} as tag "
        f"from (values ('{NIK}'), ('3275014101900002')) as v (nik)"
    )
    conn.execute("create table ops_build.reconciliation as select nik, 16800 as paid_idr from ops_build.person_case")
    conn.execute("create table ops_build.program_parameters as select 10000 as quota")
    publish.publish(conn, run_id, declared_checks=[])


def test_an_officer_reads_personal_data_only_through_a_recorded_look_up(conn, fresh_url):
    """The issue's bypass: `select * from ops.person_case` as rentan_officer_user returned every NIK, unrecorded."""
    stage_people(conn, "r1", 1)
    stage_people(conn, "r2", 2)  # a later publish brings no grant back
    with reader_logins(fresh_url) as logins, psycopg.connect(logins["rentan_officer"]) as officer:
        for relation in ("ops.person_case", "ops.reconciliation", "ops.eligibility"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                officer.execute(f"select * from {relation}")
            officer.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="record the look-up of this NIK first"):
            officer.execute("select officer.read('person_case', %s)", (NIK,))
        officer.rollback()
        with officer.transaction():
            officer.execute("select officer.record_lookup(%s, 'test')", (NIK,))
            (cursor,) = officer.execute("select officer.read('person_case', %s)", (NIK,)).fetchone()
            rows = officer.execute(f'fetch all from "{cursor}"').fetchall()
            (cursor,) = officer.execute("select officer.read('program_parameters')").fetchone()
            parameters = officer.execute(f'fetch all from "{cursor}"').fetchall()
        assert rows == [(NIK, f"ORANG {NIK}", 2)] and parameters == [(10000,)]
        with officer.transaction():  # a look-up of one NIK opens no other
            officer.execute("select officer.record_lookup(%s, 'test')", (NIK,))
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                officer.execute("select officer.read('person_case', '3275014101900002')")
    looked_up = conn.execute("select nik, found, tool from audit.person_lookup order by lookup_id").fetchall()
    assert looked_up == [(NIK, True, "test")]  # the one committed look-up; the failed one rolled back
