"""The Great Expectations suites on a real build: break each invariant family on purpose, and the
run fails naming the check while readers keep the last published version.

One database for the module: a generated landing area, a first run published (what readers
see), then one candidate build that each test tampers with and restores (a dbt build costs
~10 s; validating again costs ~1-2 s once GX is imported).
"""

from __future__ import annotations

import re
import secrets
from contextlib import contextmanager
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql

from rentan.parameters import load_parameters
from rentan.pipeline.status import status_lines
from rentan.publish import steps as publish_step
from rentan.transform import steps as transform_step
from rentan.validate import gx
from rentan.validate import steps as validate_step
from rentan.validate.data_docs import DATA_DOCS_ENV, data_docs_dir
from rentan.validate.results import validation_summary
from rentan.wap import cohort
from rentan.wap import suites as validate
from rentan.wap.failures import TransformFailed
from rentan.warehouse import connect
from tests.helpers_dbt import load_landing, migrated_database, publish_run

synth = pytest.importorskip("rentan_dev.synth")

PEOPLE = 2500  # the generator's smallest population with every defect class
CANDIDATE = "candidate"
READS = {  # what each reader role reads of the published version, to compare before and after
    "rentan_bi": "select md5(string_agg(t::text, '|' order by t::text)) from marts.program_capacity as t",
    # Officers read ops only through officer.read (V031): the published eligibility rules, whole.
    "rentan_officer": "select officer.read('eligibility_rules', null, 'nik', array['rule_order'])",
}


@contextmanager
def reader_logins(url: str):
    """A throw-away login per reader role (bi, officer); yields role -> URL."""
    names = {}
    parts = urlsplit(url)
    with psycopg.connect(url, autocommit=True) as admin:
        for group in READS:
            name, password = f"t_{group}_{secrets.token_hex(4)}", secrets.token_urlsafe(12)
            admin.execute(
                sql.SQL("create role {} login password {} in role {}").format(
                    sql.Identifier(name), sql.Literal(password), sql.Identifier(group)
                )
            )
            names[group] = (name, parts._replace(netloc=f"{name}:{password}@{parts.hostname}:{parts.port}").geturl())
        try:
            yield {group: login_url for group, (_, login_url) in names.items()}
        finally:
            for name, _ in names.values():
                admin.execute(sql.SQL("drop role {}").format(sql.Identifier(name)))


def what_readers_see(logins: dict[str, str]) -> dict[str, str]:
    seen = {}
    for group, login_url in logins.items():
        with psycopg.connect(login_url, autocommit=True) as reader, reader.transaction():
            seen[group] = reader.execute(READS[group]).fetchone()[0]
            if group == "rentan_officer":  # a cursor: its rows
                rows = reader.execute(sql.SQL("fetch all from {}").format(sql.Identifier(seen[group]))).fetchall()
                seen[group] = str(rows)
    return seen


@pytest.fixture(scope="module")
def warehouse(server_url, tmp_path_factory):
    """A first run published, then a candidate build (not published): yields (url, logins, seen before)."""
    landing = tmp_path_factory.mktemp("wap_landing")
    synth.generate(landing, seed=7, people=PEOPLE, params=load_parameters())
    with pytest.MonkeyPatch.context() as env, migrated_database(server_url, prefix="t_gx") as url:
        env.setenv("WAREHOUSE_URL", url)
        env.setenv(DATA_DOCS_ENV, str(tmp_path_factory.mktemp("data_docs")))
        load_landing(url, landing)
        publish_run("first")
        transform_step.build(CANDIDATE, {}, unit_tests=False)
        with reader_logins(url) as logins:
            yield url, logins, what_readers_see(logins)


@contextmanager
def tampered(url: str, relation: str, *statements: str):
    """Swap `relation` for a copy changed by `statements` ({t} = the copy), then put the original back."""
    schema, name = relation.split(".")
    aside = sql.Identifier(schema, f"{name}__original")
    with connect(url) as conn:
        conn.execute(
            sql.SQL("alter table {} rename to {}").format(
                sql.Identifier(schema, name), sql.Identifier(f"{name}__original")
            )
        )
        conn.execute(sql.SQL("create table {} as select * from {}").format(sql.Identifier(schema, name), aside))
        for statement in statements:
            conn.execute(sql.SQL(statement).format(t=sql.Identifier(schema, name)))
    try:
        yield
    finally:
        with connect(url) as conn:
            conn.execute(sql.SQL("drop table {}").format(sql.Identifier(schema, name)))
            conn.execute(sql.SQL("alter table {} rename to {}").format(aside, sql.Identifier(name)))


def assert_run_fails_on(warehouse, check: str, named: str | None = None) -> None:
    """Validation fails naming `check` (and `named`, e.g. a month); publish is refused; readers see the old version."""
    url, logins, seen = warehouse
    with pytest.raises(TransformFailed, match=re.escape(check)):
        validate_step.validate(CANDIDATE, load_parameters())
    with connect(url) as conn:
        success, details = conn.execute(
            """select success, details from audit.validation_results
               where run_id = %s and suite || '.' || check_name = %s""",
            (CANDIDATE, check),
        ).fetchone()
        assert success is False
        if named:
            assert named in str(details["unexpected"])
    with pytest.raises(TransformFailed, match=f"not published: .*{re.escape(check)}"):
        publish_step.publish(CANDIDATE)
    with connect(url) as conn:
        assert conn.execute("select max(version), count(*) from meta.publish_log").fetchone() == (1, 1)
    assert what_readers_see(logins) == seen


# -- the suites as config ---------------------------------------------------------------------


def test_every_family_has_a_suite_and_every_placeholder_is_a_schema_or_a_parameter():
    suites = validate.load_suites()
    assert set(suites) == {"quota", "budget", "control_totals", "referential", "volume"}  # dedup: dbt tests
    values = {"ops": "ops_build", "marts": "marts_build", **{k: str(v) for k, v in load_parameters().items()}}
    for batches in suites.values():
        for batch in batches:
            texts = [batch.query] + [c.unexpected_rows for c in batch.checks if c.unexpected_rows]
            for text in texts:
                assert re.findall(r"\{(\w+)\}", validate.render(text, values)) in ([], ["batch"]), text
            for check in batch.checks:
                assert check.severity in validate.SEVERITIES and check.description, check
                parameters = re.findall(r"'\$PARAMETER': '(\w+)'", str(check.kwargs))
                assert set(parameters) <= set(load_parameters()), check


def test_a_malformed_check_is_refused_when_the_suites_load(tmp_path):
    (tmp_path / "bad.yml").write_text(
        "suite: bad\nbatches:\n  - name: b\n    query: select 1 as x\n    checks:\n"
        "      - {name: c, severity: fatal, unexpected_rows: 'select x from {batch}'}\n"
    )
    with pytest.raises(ValueError, match="bad.c: severity must be one of fail, warn"):
        validate.load_suites(tmp_path)


@pytest.mark.parametrize("key", ["needs", "compares_with"])
def test_a_mistyped_relation_fails_the_suite_load_naming_the_file_and_the_name(tmp_path, key):
    suite = tmp_path / "quota.yml"
    suite.write_text(
        f"suite: quota\nbatches:\n  - name: b\n    {key}: [marts.program_capacity, ops.enrolment]\n"
        "    query: select 1 as x\n    checks:\n"
        "      - {name: c, severity: fail, unexpected_rows: 'select x from {batch} where x > 1'}\n"
    )
    with pytest.raises(validate.SuiteError) as error:
        validate.load_suites(tmp_path)
    assert str(error.value) == (
        f"{suite}: batch b lists {key}: ops.enrolment, which is not a model or seed of dbt_project "
        "(write schema.name, e.g. ops.enrollment)"
    )


def test_every_relation_the_suites_read_is_a_model_or_seed_of_the_project():
    relations = validate.project_relations()
    assert {"ops.enrollment", "marts.program_capacity", "staging.stg_bpjs__payments"} <= relations
    assert "staging.eligibility_reason_codes" in relations  # a seed
    assert "ops.enrolment" not in relations


def test_a_relation_missing_from_the_build_fails_its_checks(warehouse):
    url, _, _ = warehouse
    with psycopg.connect(url, autocommit=True) as conn:
        batch = next(b for b in validate.load_suites()["quota"] if b.name == "program_capacity")
        success, details = gx._missing_relations(conn, batch, {"ops": "ops_nowhere", "marts": "marts_build"})
        assert success is False and "ops_nowhere.eligibility is missing from the build" in details["error"]
        assert gx._missing_relations(conn, batch, {"ops": "ops_build", "marts": "marts_build"}) is None


# -- a passing run ----------------------------------------------------------------------------


def test_the_first_run_passed_every_suite_and_was_published_readably(warehouse, capsys):
    url, logins, seen = warehouse
    with connect(url) as conn:
        suites = dict(
            conn.execute(
                """select suite, bool_and(success is not false or severity = 'warn') from audit.validation_results
               where run_id = 'first' group by suite"""
            ).fetchall()
        )
        assert suites == {s: True for s in [*validate.suite_names(), validate.DBT_SUITE, cohort.SUITE]}
        assert conn.execute("select version, run_id from meta.publish_log").fetchall() == [(1, "first")]
        assert conn.execute("""select status, detail from audit.pipeline_health
                               where component = 'publish'""").fetchall() == [("SUCCESS", "first")]
        print(*status_lines(conn, None), sep="\n")
        assert "published: version 1, run first, at" in capsys.readouterr().out
        passed, lines = validation_summary(conn, "first")
    out = "\n".join(lines)
    assert passed is True and not capsys.readouterr().out  # lines for the CLI to print, nothing printed
    assert "validation first: PASSED" in out and re.search(r"budget +passed", out)
    assert (data_docs_dir() / "index.html").exists() and "Data Docs:" in out
    assert all(seen.values())  # both readers read the published version
    with psycopg.connect(logins["rentan_bi"], autocommit=True) as bi:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            bi.execute("select count(*) from ops.eligibility")


# -- each invariant family, broken on purpose -------------------------------------------------


def test_a_selected_person_missing_from_enrollment_fails_the_referential_checks(warehouse):
    url, _, _ = warehouse
    with connect(url) as conn:
        (nik,) = conn.execute("select nik from ops_build.enrollment where source = 'SELECTED' limit 1").fetchone()
    with tampered(url, "ops_build.enrollment", f"delete from {{t}} where nik = '{nik}'"):
        assert_run_fails_on(warehouse, "referential.selected_and_called_are_participants", named=nik)


def test_a_replacement_call_over_the_capacity_fails_naming_the_month(warehouse):
    url, _, _ = warehouse
    over = load_parameters()["quota"] + 1
    change = f"update {{t}} set slot_holders = {over}, new_call_holders = 1 where period = '2026-03-01'"
    with tampered(url, "marts_build.budget_monthly", change):
        assert_run_fails_on(warehouse, "quota.decisions_within_capacity", named="2026-03-01")


def test_a_manifest_whose_rupiah_do_not_add_up_fails_the_control_totals(warehouse):
    url, _, _ = warehouse
    file_name = "bpjs_iuran/bpjs_iuran_202603.csv"
    change = "update meta.load_manifest set amount_quarantined_idr = amount_quarantined_idr + %s where file_name = %s"
    with connect(url) as conn:
        conn.execute(change, (16800, file_name))
    try:
        assert_run_fails_on(warehouse, "control_totals.amounts_add_up", named=file_name)
    finally:
        with connect(url) as conn:
            conn.execute(change, (-16800, file_name))


def test_a_participant_who_is_neither_selected_nor_called_fails_the_referential_checks(warehouse):
    url, _, _ = warehouse
    with tampered(url, "ops_build.enrollment", "update {t} set source = 'REPLACEMENT' where source = 'SELECTED'"):
        assert_run_fails_on(warehouse, "referential.participants_are_selected_or_called")


def test_a_model_that_breaks_its_contract_fails_with_the_query_error(warehouse):
    url, _, _ = warehouse
    renamed = "alter table {t} rename column new_calls_cost_idr to cost_of_calls"
    with tampered(url, "marts_build.replacement_capacity", renamed):
        assert_run_fails_on(warehouse, "budget.new_calls_within_headroom")
        with connect(url) as conn:
            (error,) = conn.execute(
                """select details->>'error' from audit.validation_results where run_id = %s
                                       and check_name = 'new_calls_within_headroom'""",
                (CANDIDATE,),
            ).fetchone()
        assert "new_calls_cost_idr" in error


def test_a_warning_is_reported_but_does_not_block(warehouse):
    url, _, _ = warehouse
    with tampered(url, "marts_build.budget_monthly", "update {t} set projected_year_end_idr = budget_idr + 1"):
        outcome = validate_step.validate(CANDIDATE, load_parameters())
    assert "budget.projected_year_end_within_budget" in outcome["warned"]


# -- a declared check without a result ---------------------------------------------------------


def test_a_build_where_a_declared_dbt_test_has_no_result_is_not_published(warehouse):
    url, logins, seen = warehouse
    validate_step.validate(CANDIDATE, load_parameters())
    aside = (
        "update audit.validation_results set check_name = {} where run_id = %s and suite = 'dbt' and check_name like {}"
    )
    with connect(url) as conn:  # the result of dbt's unique test on ops.eligibility's NIK, put aside
        (check,) = conn.execute(
            aside.format("check_name || '#aside'", "'test.rentan.unique_eligibility_nik.%%'") + " returning check_name",
            (CANDIDATE,),
        ).fetchone()
    try:
        with pytest.raises(TransformFailed, match=f"no result for 1 declared check.s.: dbt.{re.escape(check[:-6])}:"):
            publish_step.publish(CANDIDATE)
    finally:
        with connect(url) as conn:
            conn.execute(aside.format("replace(check_name, '#aside', '')", "'%%#aside'"), (CANDIDATE,))
    with connect(url) as conn:
        assert conn.execute("select count(*) from meta.publish_log").fetchone() == (1,)
    assert what_readers_see(logins) == seen


# -- and once the data is right again, it publishes -------------------------------------------


def test_the_candidate_publishes_once_every_fail_level_check_passes(warehouse):
    url, logins, seen = warehouse
    validate_step.validate(CANDIDATE, load_parameters())
    published = publish_step.publish(CANDIDATE)
    assert published["version"] == 2
    assert {"ops.eligibility", "ops.enrollment", "marts.program_capacity"} <= set(published["relations"])
    with connect(url) as conn:
        schemas = {s for (s,) in conn.execute("select nspname from pg_namespace where nspname like '%%_build'")}
        assert schemas == set()
    assert what_readers_see(logins) == seen  # same inputs, same data, now from the new version
