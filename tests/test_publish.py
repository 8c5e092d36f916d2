"""The publish swap on its own (no dbt): grants move, views resolve, refusals, and readers that
query in a loop during publishes never see an empty or half-swapped warehouse."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

from rentan.publish import swap as publish
from rentan.wap import builds
from rentan.wap.failures import PublishRefused
from rentan.warehouse import connect
from tests.test_validation import reader_logins

ROWS = 500


def stage(conn, run_id: str, tag: int) -> None:
    """A small build in ops_build / marts_build, every relation tagged with `tag`, marked as run_id's."""
    builds.reset_build(conn)
    builds.mark_build(conn, run_id)
    conn.execute(
        f"create table ops_build.eligibility as select g::text as nik, {tag} as tag "
        f"from generate_series(1, {ROWS}) as g"
    )
    conn.execute(f"create table marts_build.program_capacity as select {tag} as tag, {ROWS} as capacity")
    conn.execute(
        "create view marts_build.selected_count as select count(*) as n, min(tag) as tag from ops_build.eligibility"
    )


def test_publish_moves_the_build_in_with_its_grants_and_views(conn, fresh_url):
    stage(conn, "r1", 1)
    published = publish.publish(conn, "r1", declared_checks=[])
    assert published["version"] == 1
    assert published["relations"] == ["marts.program_capacity", "marts.selected_count", "ops.eligibility"]
    with reader_logins(fresh_url) as logins:
        with psycopg.connect(logins["rentan_bi"], autocommit=True) as bi:
            assert bi.execute("select capacity, tag from marts.program_capacity").fetchone() == (ROWS, 1)
            assert bi.execute("select n, tag from marts.selected_count").fetchone() == (ROWS, 1)  # the view followed
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                bi.execute("select count(*) from ops.eligibility")
        with psycopg.connect(logins["rentan_officer"], autocommit=True) as officer:  # through look-ups only (V031)
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                officer.execute("select count(*) from ops.eligibility")
    schemas = {s for (s,) in conn.execute("select nspname from pg_namespace where nspname ~ '_(build|prev)$'")}
    assert schemas == set()


def test_a_build_grants_nothing_and_what_is_made_after_the_swap_is_readable_by_its_role(conn, fresh_url):
    stage(conn, "r1", 1)
    readable = """select count(*) from pg_class as c join pg_namespace as n on c.relnamespace = n.oid, pg_roles as r
                  where n.nspname = any(%s) and r.rolname in ('rentan_engineer', 'rentan_officer', 'rentan_bi')
                    and has_table_privilege(r.oid, c.oid, 'select')"""
    assert conn.execute(readable, (["ops_build", "marts_build"],)).fetchone() == (0,)
    publish.publish(conn, "r1", declared_checks=[])
    for schema in ("ops", "marts"):  # the per-schema default privileges came over with the swap
        conn.execute(f"create table {schema}.made_later as select 1 as x")
    with reader_logins(fresh_url) as logins:
        with psycopg.connect(logins["rentan_bi"], autocommit=True) as bi:
            assert bi.execute("select x from marts.made_later").fetchone() == (1,)
        with psycopg.connect(logins["rentan_officer"], autocommit=True) as officer:  # nothing came back (V031)
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                officer.execute("select x from ops.made_later")


def test_publish_refuses_an_unvalidated_failed_or_foreign_build_and_changes_nothing(conn):
    stage(conn, "r1", 1)
    publish.publish(conn, "r1", declared_checks=[])
    stage(conn, "r2", 2)
    declared = ["budget.cumulative_paid_within_budget", "budget.projected_year_end_within_budget"]
    with pytest.raises(PublishRefused, match="no result for 2 declared check"):
        publish.publish(conn, "r2", declared_checks=declared)
    conn.execute("""insert into audit.validation_results (run_id, suite, check_name, severity, success)
                    values ('r2', 'budget', 'cumulative_paid_within_budget', 'fail', false),
                           ('r2', 'budget', 'projected_year_end_within_budget', 'warn', false)""")
    with pytest.raises(PublishRefused, match=r"fail-level checks: budget.cumulative_paid_within_budget$"):
        publish.publish(conn, "r2", declared_checks=declared)
    with pytest.raises(PublishRefused, match="built by run 'r2', not 'r3'"):
        publish.publish(conn, "r3", declared_checks=[])
    conn.execute("delete from audit.validation_results where run_id = 'r2'")
    conn.execute("create view marts_build.leaky as select * from meta.load_manifest")
    with pytest.raises(PublishRefused, match="marts_build.leaky reads meta.load_manifest"):
        publish.publish(conn, "r2", declared_checks=[])
    assert conn.execute("select tag from marts.program_capacity").fetchone() == (1,)
    assert conn.execute("select count(*) from meta.publish_log").fetchone() == (1,)


def test_publish_refuses_a_build_where_a_declared_check_did_not_run(conn):
    """Passed, failed at warn, skipped for a recorded reason or kept from the published run: it ran.
    No result, or skipped with no reason (dbt skips a test whose model failed): it did not."""
    stage(conn, "r1", 1)
    conn.execute("""insert into audit.validation_results (run_id, suite, check_name, severity, success, details)
                    values ('r1', 'quota', 'capacity_within_quota', 'fail', true, '{}'),
                           ('r1', 'budget', 'projected_year_end_within_budget', 'warn', false, '{}'),
                           ('r1', 'volume', 'counts_not_shrunk', 'fail', null,
                            '{"note": "skipped: nothing published to compare with yet"}'),
                           ('r1', 'dbt', 'test.rentan.unique_eligibility_nik.0123456789', 'fail', true,
                            '{"carried_over_from": "r0"}'),
                           ('r1', 'dbt', 'test.rentan.not_null_eligibility_nik.0123456789', 'fail', null,
                            '{"status": "skipped"}')""")
    ran = [
        "quota.capacity_within_quota",
        "budget.projected_year_end_within_budget",
        "volume.counts_not_shrunk",
        "dbt.test.rentan.unique_eligibility_nik.0123456789",
    ]
    not_run = [
        "dbt.test.rentan.not_null_eligibility_nik.0123456789",
        "referential.selected_and_called_are_participants",
    ]
    with pytest.raises(PublishRefused) as refused:
        publish.publish(conn, "r1", declared_checks=ran + not_run)
    assert str(refused.value) == (
        "run r1 has no result for 2 declared check(s): dbt.test.rentan.not_null_eligibility_nik.0123456789, "
        "referential.selected_and_called_are_participants: validate the build again (a check that did not run "
        "proves nothing)"
    )
    assert conn.execute("select count(*) from meta.publish_log").fetchone() == (0,)
    assert publish.publish(conn, "r1", declared_checks=ran)["version"] == 1


def test_readers_never_see_an_empty_or_half_swapped_warehouse_during_publishes(conn, fresh_url):
    stage(conn, "r0", 0)
    publish.publish(conn, "r0", declared_checks=[])
    stop, problems, tags_seen = threading.Event(), [], set()

    def read_in_a_loop(login_url: str, query: str, check) -> None:
        with psycopg.connect(login_url, autocommit=True) as reader:
            while not stop.is_set():
                try:
                    row = reader.execute(query).fetchone()
                except psycopg.Error as error:
                    problems.append(f"{query}: {error}")
                    return
                if not check(row):
                    problems.append(f"{query}: {row}")
                tags_seen.add(row[-1])

    with reader_logins(fresh_url) as logins:
        readers = [
            (logins["rentan_bi"], "select count(*), min(tag) from marts.program_capacity", lambda r: r[0] == 1),
            (logins["rentan_bi"], "select n, tag from marts.selected_count", lambda r: r[0] == ROWS),
            # one statement over both schemas: always the same version on both sides
            (
                fresh_url,
                "select (select min(tag) from ops.eligibility), (select min(tag) from marts.program_capacity)",
                lambda r: r[0] == r[1],
            ),
        ]
        threads = [threading.Thread(target=read_in_a_loop, args=reader) for reader in readers]
        for thread in threads:
            thread.start()
        try:
            for tag in range(1, 21):
                stage(conn, f"r{tag}", tag)
                publish.publish(conn, f"r{tag}", declared_checks=[])
                time.sleep(0.05)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=30)
    assert problems == []
    assert len(tags_seen) > 2  # the readers really read across several publishes
    with connect(fresh_url) as check:
        assert check.execute("select max(version) from meta.publish_log").fetchone() == (21,)


def test_a_reader_holding_the_published_relations_past_the_wait_is_a_retriable_busy_not_a_lost_warehouse(
    conn, fresh_url, monkeypatch
):
    """The bench's incremental run failed here: a lock conflict was reported as a lost warehouse and never retried."""
    from rentan.pipeline.dag_policy import not_retried

    stage(conn, "r1", 1)
    publish.publish(conn, "r1", declared_checks=[])
    stage(conn, "r2", 2)
    monkeypatch.setattr(publish, "LOCK_WAIT_SECONDS", 1)
    with psycopg.connect(fresh_url) as reader:  # a long dashboard query: holds its lock until it ends
        reader.execute("select count(*) from ops.eligibility")
        started = time.monotonic()
        with pytest.raises(publish.PublishBusy, match="sessions held the published relations") as busy:
            publish.publish(conn, "r2", declared_checks=[])
        assert time.monotonic() - started >= 1
        assert not isinstance(busy.value, not_retried())  # the task is retried
    assert conn.execute("select max(version) from meta.publish_log").fetchone() == (1,)  # nothing changed
    assert publish.publish(conn, "r2", declared_checks=[])["version"] == 2  # once the reader is gone
