"""The build schemas' lifecycle: dbt builds ops and marts into ops_build and marts_build, labelled with
the run that built them; validate audits that run's build and publish swaps it in (rentan.publish.swap).
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from rentan.wap.failures import PublishRefused

PUBLISHED = ("ops", "marts")
BUILD_SUFFIX = "_build"


def build_schemas() -> dict[str, str]:
    """ops -> ops_build, marts -> marts_build: what dbt's build_schema_suffix var builds into."""
    return {schema: schema + BUILD_SUFFIX for schema in PUBLISHED}


def reset_build(conn: psycopg.Connection) -> None:
    """Drop what an earlier (failed) run left in the build schemas, so a build starts clean."""
    for build in build_schemas().values():
        conn.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(build)))


def mark_build(conn: psycopg.Connection, run_id: str) -> None:
    """Label the build schemas with the run that built them: only that run's validation may publish them."""
    for build in build_schemas().values():
        conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(build)))
        conn.execute(sql.SQL("comment on schema {} is {}").format(sql.Identifier(build), sql.Literal(run_id)))


def check_build_is_of(conn, run_id: str) -> None:
    """The build schemas exist and were built by `run_id` (mark_build): nobody audits or publishes another's."""
    for schema, build in build_schemas().items():
        if not conn.execute("select 1 from pg_namespace where nspname = %s", (schema,)).fetchone():
            raise PublishRefused(f"schema {schema} is missing: its grants come from it (see migrations V001, V013)")
        row = conn.execute(
            "select obj_description(oid, 'pg_namespace') from pg_namespace where nspname = %s", (build,)
        ).fetchone()
        if row is None:
            raise PublishRefused(f"there is no {build} schema: run the build first")
        if row[0] != run_id:
            raise PublishRefused(f"{build} was built by run {row[0]!r}, not {run_id!r}: build again")


def carried_over_views(conn) -> list[tuple[str, str, str]]:
    """A build view may read other build relations (they move with it), never staging or intermediate.

    The one exception is a carry-over of an incremental build (the dbt macro carry_over_unselected):
    ops_build.x reading exactly ops.x. Those are returned as (build schema, published schema, name).
    """
    rows = conn.execute(
        """select distinct view_ns.nspname, view.relname, used_ns.nspname, used.relname
           from pg_depend as dep
           join pg_rewrite as rule on dep.classid = 'pg_rewrite'::regclass and dep.objid = rule.oid
           join pg_class as view on rule.ev_class = view.oid
           join pg_namespace as view_ns on view.relnamespace = view_ns.oid
           join pg_class as used on dep.refclassid = 'pg_class'::regclass and dep.refobjid = used.oid
           join pg_namespace as used_ns on used.relnamespace = used_ns.oid
           where view_ns.nspname = any(%s) and used.oid <> view.oid and not used_ns.nspname = any(%s)
             and used_ns.nspname not in ('pg_catalog', 'information_schema')
           order by 1, 2, 3, 4""",
        (list(build_schemas().values()), list(build_schemas().values())),
    ).fetchall()
    published_of = {build: schema for schema, build in build_schemas().items()}
    carried_over, outside = [], []
    for view_ns, view, used_ns, used in rows:
        if used == view and used_ns == published_of[view_ns]:
            carried_over.append((view_ns, used_ns, view))
        else:
            outside.append(f"{view_ns}.{view} reads {used_ns}.{used}")
    if outside:
        raise PublishRefused(
            f"views would break when what they read is rebuilt: {', '.join(outside)}; materialize them as tables"
        )
    return carried_over


def carried_over(conn) -> tuple[tuple[str, ...], str | None]:
    """The published names of the build's carried-over relations, and the published run they come from."""
    relations = tuple(f"{published}.{name}" for _, published, name in carried_over_views(conn))
    if not relations:
        return (), None
    return relations, conn.execute("select run_id from meta.publish_log order by version desc limit 1").fetchone()[0]
