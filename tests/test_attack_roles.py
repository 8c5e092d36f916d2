"""Least privilege, proven by attack: log in as each reader role and try every way in.

One warehouse for the module, made by the real pipeline on a generated landing area: loaded
(raw, meta), built, validated and published (staging, intermediate, ops, marts, audit, the key
in secret), then a second build left unpublished (ops_build, marts_build), and ANALYZEd so
every schema has statistics; the pipeline role then adds a table to ops and marts and a
function to secret, as a later change would. A login in each group role (and one in none)
tries to read every relation of every schema, pg_stats, information_schema, and to call
every function of the warehouse. What a role may read is marts.md's table (docs/security.md); everything else
must be denied, and show nothing.
"""

from __future__ import annotations

import secrets
from contextlib import contextmanager
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql

from rentan.parameters import load_parameters
from rentan.transform import steps as transform_step
from rentan.validate.data_docs import DATA_DOCS_ENV
from rentan.warehouse import connect
from tests.helpers_dbt import load_landing, migrated_database, publish_run

synth = pytest.importorskip("rentan_dev.synth")

PEOPLE = 2500  # the generator's smallest population with every defect class (quarantine rows in meta)
# marts.md: who may read which schema; "nobody" is a login in no group role (PUBLIC's rights only).
READABLE = {
    "rentan_engineer": {"meta", "audit"},
    "rentan_officer": set(),  # ops only through officer.read, per recorded look-up (V031)
    "rentan_bi": {"marts"},
    "nobody": set(),
}
# Functions a group may call, by schema: officers record their look-ups (officer.record_lookup,
# SECURITY DEFINER: it writes audit.person_lookup) and read a recorded NIK's rows (officer.read).
CALLABLE = {"rentan_officer": {"officer"}}
SYSTEM = ("pg_catalog", "information_schema")
# Every schema the pipeline fills: the attack is only worth something if each has data and statistics.
FILLED = {"raw", "meta", "staging", "intermediate", "ops", "marts", "audit", "secret", "ops_build", "marts_build"}
USER_SCHEMAS = "nspname not in ('pg_catalog', 'information_schema') and nspname !~ '^pg_(toast|temp)'"


@contextmanager
def logins(url: str):
    """A throw-away login per group role of READABLE (and one in none); yields group -> URL."""
    parts = urlsplit(url)
    made = {}
    with psycopg.connect(url, autocommit=True) as admin:
        for group in READABLE:
            name, password = f"t_attack_{group}_{secrets.token_hex(4)}", secrets.token_urlsafe(12)
            member = sql.SQL("") if group == "nobody" else sql.SQL("in role {}").format(sql.Identifier(group))
            admin.execute(
                sql.SQL("create role {} login password {} {}").format(
                    sql.Identifier(name), sql.Literal(password), member
                )
            )
            made[group] = name, parts._replace(netloc=f"{name}:{password}@{parts.hostname}:{parts.port}").geturl()
        try:
            yield {group: login_url for group, (_, login_url) in made.items()}
        finally:
            for name, _ in made.values():
                admin.execute(sql.SQL("drop role {}").format(sql.Identifier(name)))


@pytest.fixture(scope="module")
def warehouse(server_url, tmp_path_factory):
    """The pipeline's warehouse, every schema filled and analyzed; yields (admin URL, group -> login URL)."""
    landing = tmp_path_factory.mktemp("attack_landing")
    synth.generate(landing, seed=7, people=PEOPLE, params=load_parameters())
    with pytest.MonkeyPatch.context() as env, migrated_database(server_url, prefix="t_attack") as url:
        env.setenv("WAREHOUSE_URL", url)
        env.setenv(DATA_DOCS_ENV, str(tmp_path_factory.mktemp("data_docs")))
        load_landing(url, landing)
        publish_run("published")
        transform_step.build("candidate", {}, unit_tests=False)  # audited later, or never: readers must not see it
        with connect(url) as conn:  # made by the pipeline role after the swap: the defaults must hold
            for schema in ("ops", "marts"):
                conn.execute(
                    sql.SQL("create table {} as select 1 as x").format(sql.Identifier(schema, "made_after_publish"))
                )
            conn.execute("""create function secret.made_after_publish(nik text) returns text language sql
                            return (select encode(sha256(k_ipad || convert_to(nik, 'UTF8')), 'hex')
                                    from secret.pseudonym_key)""")
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute("analyze")
        with logins(url) as login_urls:
            yield url, login_urls


def admin_rows(url: str, query: str) -> list[tuple]:
    with psycopg.connect(url, autocommit=True) as admin:
        return admin.execute(query).fetchall()


def test_every_schema_the_pipeline_fills_has_relations_and_statistics(warehouse):
    url, _ = warehouse
    with_stats = {schema for (schema,) in admin_rows(url, "select distinct schemaname from pg_stats")}
    assert with_stats >= FILLED, FILLED - with_stats


@pytest.mark.parametrize("group", sorted(READABLE))
def test_a_login_selects_from_its_schemas_and_is_denied_every_other_relation(warehouse, group):
    url, login_urls = warehouse
    relations = admin_rows(
        url,
        f"""
        select n.nspname, c.relname, c.relkind from pg_class as c join pg_namespace as n on c.relnamespace = n.oid
        where c.relkind in ('r', 'p', 'v', 'm', 'f', 'S') and {USER_SCHEMAS} order by 1, 2""",
    )
    assert {schema for schema, _, _ in relations} >= FILLED
    wrong = []
    with psycopg.connect(login_urls[group], autocommit=True) as reader:
        for schema, name, kind in relations:
            allowed = schema in READABLE[group] and kind != "S"  # sequences: the pipeline's only
            try:
                reader.execute(sql.SQL("select * from {} limit 1").format(sql.Identifier(schema, name)))
                if not allowed:
                    wrong.append(f"read {schema}.{name}")
            except psycopg.errors.InsufficientPrivilege:
                if allowed:
                    wrong.append(f"denied {schema}.{name}")
    assert not wrong, f"{group}: {len(wrong)} of {len(relations)} relations wrong: {wrong[:20]}"


@pytest.mark.parametrize("group", sorted(READABLE))
def test_pg_stats_shows_a_login_only_the_statistics_of_its_schemas(warehouse, group):
    url, login_urls = warehouse
    own = {schema for (schema,) in admin_rows(url, "select distinct schemaname from pg_stats")} & READABLE[group]
    with psycopg.connect(login_urls[group], autocommit=True) as reader:
        seen = dict(
            reader.execute(
                "select schemaname, count(*) from pg_stats where schemaname <> all(%s) group by 1", (list(SYSTEM),)
            ).fetchall()
        )
        extended = reader.execute(
            """select (select count(*) from pg_stats_ext where schemaname <> all(%(own)s))
                    + (select count(*) from pg_stats_ext_exprs where schemaname <> all(%(own)s))""",
            {"own": sorted(READABLE[group])},
        ).fetchone()[0]
    assert set(seen) == own, f"{group} sees the statistics (most common values, histograms) of {seen}"
    assert extended == 0


def schema_columns_of_information_schema(url: str) -> list[tuple[str, str]]:
    """(view, column) of every information_schema view column that names the schema of what a row shows."""
    return admin_rows(
        url,
        """
        select table_name, column_name from information_schema.columns
        where table_schema = 'information_schema'
          and column_name in ('table_schema', 'schema_name', 'sequence_schema', 'routine_schema',
                              'specific_schema', 'constraint_schema', 'event_object_schema',
                              'view_schema', 'unique_constraint_schema')
        order by 1, 2""",
    )


@pytest.mark.parametrize("group", sorted(READABLE))
def test_information_schema_shows_a_login_nothing_outside_its_schemas(warehouse, group):
    url, login_urls = warehouse
    probes = schema_columns_of_information_schema(url)
    assert ("columns", "table_schema") in probes and ("tables", "table_schema") in probes
    outside = {}
    with psycopg.connect(login_urls[group], autocommit=True) as reader:
        for view, column in probes:
            try:
                rows = reader.execute(
                    sql.SQL("select distinct {c} from {v} where {c} <> all(%s)").format(
                        c=sql.Identifier(column), v=sql.Identifier("information_schema", view)
                    ),
                    ([*SYSTEM, *READABLE[group], *CALLABLE.get(group, ())],),
                ).fetchall()
            except psycopg.errors.InsufficientPrivilege:  # a view PostgreSQL keeps from PUBLIC shows nothing
                continue
            if rows:
                outside[f"{view}.{column}"] = sorted(schema for (schema,) in rows)
        own_columns = reader.execute(
            "select count(*) from information_schema.columns where table_schema = any(%s)", (sorted(READABLE[group]),)
        ).fetchone()[0]
    assert not outside, f"{group} sees, through information_schema: {outside}"
    assert (own_columns > 0) == bool(READABLE[group])


@pytest.mark.parametrize("group", sorted(READABLE))
def test_a_login_can_call_no_function_of_the_warehouse(warehouse, group):
    """secret's and meta's functions are the pipeline's: no reader calls any (the key never leaves secret)."""
    url, login_urls = warehouse
    functions = admin_rows(
        url,
        f"""
        select n.nspname, p.proname, array(select format_type(t, null) from unnest(p.proargtypes) as t)
        from pg_proc as p join pg_namespace as n on p.pronamespace = n.oid
        where p.prokind = 'f' and {USER_SCHEMAS} order by 1, 2""",
    )
    assert {schema for schema, _, _ in functions} >= {"meta", "secret"}
    called = []
    with psycopg.connect(login_urls[group], autocommit=True) as reader:
        for schema, name, types in functions:
            if schema in CALLABLE.get(group, ()):
                continue
            args = sql.SQL(", ").join(sql.SQL("null::{}").format(sql.SQL(t)) for t in types)
            try:
                reader.execute(sql.SQL("select {}({})").format(sql.Identifier(schema, name), args))
                called.append(f"{schema}.{name}")
            except psycopg.errors.InsufficientPrivilege:
                pass
    assert not called, f"{group} may call {called}"
