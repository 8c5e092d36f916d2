"""Write-audit-publish: dbt builds ops and marts into ops_build and marts_build; once every
fail-level check of the run passed, ONE transaction swaps them in.

The swap renames schemas: ops -> ops_prev, ops_build -> ops, then the grants the old schema
had (USAGE for its reader role, SELECT on its relations, and its per-schema default
privileges, migration V013) are given to the new one, since they do not move with a rename,
and ops_prev is dropped; the same for marts. The build schemas grant nothing to anyone. Readers never see an empty or
half-swapped warehouse: the swap first takes every published relation's lock, all at once
or none (NOWAIT, retried), so it never waits while holding some (a reader holding marts.x
and wanting ops.y would deadlock with it otherwise); a query that starts during the swap
waits for the commit and then reads the new relations (PostgreSQL looks the name up again
after a lock wait). Views bind to relations,
not names, so a marts view on ops_build.x reads ops.x after the swap; a view on staging or
intermediate would vanish when the next build replaces those, so publishing refuses it.
An incremental build carries unchanged relations over as views on the published tables
(ops_build.x reads ops.x); in the swap's transaction the published table takes its view's place.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

import psycopg
from psycopg import sql

from rentan.wap.builds import BUILD_SUFFIX, PUBLISHED, build_schemas, carried_over_views, check_build_is_of
from rentan.wap.failures import PublishRefused
from rentan.warehouse import one_line

log = logging.getLogger(__name__)

PREVIOUS_SUFFIX = "_prev"
PUBLISH_LOCK = 2_775_002  # one publish at a time (any constant, the same in every process)
# A reader holding the old relations (a long dashboard query, a session left idle in an open
# transaction) makes the swap wait: it tries again for READERS_GRACE_SECONDS, then ends the
# readers' sessions that still hold them (their next query reads the new version), and tries
# until LOCK_WAIT_SECONDS; only the pipeline's own sessions can then hold it up (PublishBusy).
READERS_GRACE_SECONDS = 10
LOCK_WAIT_SECONDS = 30
MISSING_SHOWN = 10  # declared checks without a result named in the refusal; the rest are counted
# pg_default_acl.defaclobjtype -> the object kind of ALTER DEFAULT PRIVILEGES ... IN SCHEMA
DEFAULT_ACL_OBJECTS = {"r": "tables", "S": "sequences", "f": "functions", "T": "types"}


class PublishBusy(RuntimeError):
    """Readers held the published relations for longer than LOCK_WAIT_SECONDS: a retry may succeed."""


def publish(conn: psycopg.Connection, run_id: str, declared_checks: Iterable[str]) -> dict:
    """Swap the run's audited build into ops and marts in one transaction; log it; return the version.

    Refuses (PublishRefused) when the build is not this run's, when any fail-level check of the
    run failed, when a declared check (`suite.check`) did not run, or when a view would dangle.
    """
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(%s)", (PUBLISH_LOCK,))
        check_build_is_of(conn, run_id)
        _check_validated(conn, run_id, declared_checks)
        carried_over = carried_over_views(conn)
        relations = _relations(conn)
        _lock_published(conn)
        for build, published, name in carried_over:
            _keep_published(conn, build, published, name)
        for schema in PUBLISHED:
            _swap(conn, schema)
        version = conn.execute(
            """insert into meta.publish_log (run_id, relations, inputs)
               values (%s, %s, (select inputs from meta.build_state where run_id = %s)) returning version""",
            (run_id, relations, run_id),
        ).fetchone()[0]
    return {
        "version": version,
        "run_id": run_id,
        "relations": relations,
        "carried_over": [f"{published}.{name}" for _, published, name in carried_over],
    }


def _check_validated(conn, run_id: str, declared_checks: Iterable[str]) -> None:
    """No fail-level check failed, and every declared check ran (docs/decisions/checks-and-validation.md).

    A check ran when the run recorded its result: passed, failed, or skipped for a reason the
    code that skipped it recorded (`details.note`: nothing published to compare with yet, unit
    tests excluded) or kept from the published run (`details.carried_over_from`). A check with
    no result, or skipped with no reason (dbt skips a test whose model failed), did not run.
    """
    rows = conn.execute(
        """select suite || '.' || check_name, severity, success, details ? 'note' or details ? 'carried_over_from'
           from audit.validation_results where run_id = %s""",
        (run_id,),
    ).fetchall()
    failed = sorted(label for label, severity, success, _ in rows if success is False and severity == "fail")
    if failed:
        raise PublishRefused(f"run {run_id} failed fail-level checks: {', '.join(failed)}")
    ran = {label for label, _, success, accounted in rows if success is not None or accounted}
    missing = sorted(set(declared_checks) - ran)
    if missing:
        shown = ", ".join(missing[:MISSING_SHOWN]) + (
            f" and {len(missing) - MISSING_SHOWN} more" if len(missing) > MISSING_SHOWN else ""
        )
        raise PublishRefused(
            f"run {run_id} has no result for {len(missing)} declared check(s): {shown}: "
            "validate the build again (a check that did not run proves nothing)"
        )


def _keep_published(conn, build: str, published: str, name: str) -> None:
    """A carried-over relation: the published table replaces its view in the build, then swaps back in."""
    conn.execute(sql.SQL("drop view {}").format(sql.Identifier(build, name)))
    conn.execute(sql.SQL("alter table {} set schema {}").format(sql.Identifier(published, name), sql.Identifier(build)))


def _relations(conn) -> list[str]:
    """The published names of the relations in the build schemas, e.g. marts.program_capacity."""
    names = {build: schema for schema, build in build_schemas().items()}
    rows = conn.execute(
        """select n.nspname, c.relname from pg_class c join pg_namespace n on c.relnamespace = n.oid
           where n.nspname = any(%s) and c.relkind in ('r', 'v', 'm', 'p') order by 1, 2""",
        (list(names),),
    ).fetchall()
    return [f"{names[schema]}.{name}" for schema, name in rows]


def _lock_published(conn) -> None:
    """Lock every relation of ops and marts, all or none; readers in the way past the grace period are ended."""
    names = conn.execute(
        """select n.nspname, c.relname, c.oid from pg_class c join pg_namespace n on c.relnamespace = n.oid
           where n.nspname = any(%s) and c.relkind in ('r', 'v', 'm', 'p')""",
        (list(PUBLISHED),),
    ).fetchall()
    if not names:
        return
    lock = sql.SQL("lock table {} in access exclusive mode nowait").format(
        sql.SQL(", ").join(sql.Identifier(schema, name) for schema, name, _ in names)
    )
    started = time.monotonic()
    readers_ended = False
    while True:
        try:
            with conn.transaction():  # a savepoint: a failed attempt releases what it got
                conn.execute(lock)
            return
        except psycopg.errors.LockNotAvailable as err:
            waited = time.monotonic() - started
            if waited > READERS_GRACE_SECONDS and not readers_ended:
                _end_readers_holding(conn, [oid for *_, oid in names])
                readers_ended = True
            if waited > LOCK_WAIT_SECONDS:  # not a lost warehouse: the task is retried
                raise PublishBusy(
                    f"sessions held the published relations for over {LOCK_WAIT_SECONDS}s ({one_line(err)}); "
                    "nothing changed, the publish is tried again"
                ) from None
            time.sleep(0.05)


def _end_readers_holding(conn, relations: list[int]) -> list[tuple]:
    """End the sessions of readers (not the pipeline's, not a superuser's) holding any of `relations`.

    A reader's open transaction must not hold a publish back: its session is ended (it reconnects
    and reads the new version). Needs pg_signal_backend (roles.sql grants it to rentan_etl); without
    it the readers are only named in the log and the publish waits until LOCK_WAIT_SECONDS.
    """
    readers = conn.execute(
        """select distinct activity.pid, activity.usename, activity.state, activity.xact_start
           from pg_locks as locks join pg_stat_activity as activity on activity.pid = locks.pid
           join pg_roles as login on login.oid = activity.usesysid
           where locks.locktype = 'relation' and locks.granted and locks.relation = any(%s::oid[])
             and locks.pid <> pg_backend_pid() and not login.rolsuper
             and not pg_has_role(login.oid, 'rentan_etl', 'member')""",
        (relations,),
    ).fetchall()
    for pid, login, state, since in readers:
        try:
            with conn.transaction():
                conn.execute("select pg_terminate_backend(%s, 5000)", (pid,))
            log.warning(
                "ended %s's session (pid %s, %s since %s): it held the published relations", login, pid, state, since
            )
        except psycopg.errors.InsufficientPrivilege:
            log.warning(
                "%s's session (pid %s, %s since %s) holds the published relations; "
                "rentan_etl may not end it (grant pg_signal_backend to rentan_etl)",
                login,
                pid,
                state,
                since,
            )
    return readers


def _swap(conn, schema: str) -> None:
    """schema_build becomes schema, with the grants and default privileges schema had; the old one is dropped.

    The build schema has none of its own (no reader may see an unaudited build), and neither
    moves with a rename: both are read from the published schema and given to its successor.
    """
    build, previous = sql.Identifier(schema + BUILD_SUFFIX), sql.Identifier(schema + PREVIOUS_SUFFIX)
    target = sql.Identifier(schema)
    grants = conn.execute(
        """select coalesce((select rolname from pg_roles where oid = acl.grantee), 'public'), acl.privilege_type
           from pg_namespace as n, aclexplode(n.nspacl) as acl
           where n.nspname = %s and acl.grantee <> n.nspowner""",
        (schema,),
    ).fetchall()
    defaults = conn.execute(
        """select (select rolname from pg_roles where oid = d.defaclrole), d.defaclobjtype,
                  coalesce((select rolname from pg_roles where oid = acl.grantee), 'public'), acl.privilege_type
           from pg_default_acl as d join pg_namespace as n on d.defaclnamespace = n.oid,
                aclexplode(d.defaclacl) as acl
           where n.nspname = %s""",
        (schema,),
    ).fetchall()
    conn.execute(sql.SQL("drop schema if exists {} cascade").format(previous))
    conn.execute(sql.SQL("alter schema {} rename to {}").format(target, previous))
    conn.execute(sql.SQL("alter schema {} rename to {}").format(build, target))
    for grantee, privilege in grants:
        role = _grantee(grantee)
        conn.execute(sql.SQL("grant {} on schema {} to {}").format(sql.SQL(privilege), target, role))
        if privilege == "USAGE":  # the relations already built: the defaults below are for later ones
            conn.execute(sql.SQL("grant select on all tables in schema {} to {}").format(target, role))
    for owner, kind, grantee, privilege in defaults:
        conn.execute(
            sql.SQL("alter default privileges for role {} in schema {} grant {} on {} to {}").format(
                sql.Identifier(owner), target, sql.SQL(privilege), sql.SQL(DEFAULT_ACL_OBJECTS[kind]), _grantee(grantee)
            )
        )
    conn.execute(sql.SQL("drop schema {} cascade").format(previous))


def _grantee(name: str) -> sql.Composable:
    return sql.SQL("public") if name == "public" else sql.Identifier(name)
