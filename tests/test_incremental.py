"""Incremental builds: after one new monthly payment file, only what reads payments (and the decision
ledger, which the first publish grew) is rebuilt, the rest is carried over, and what readers see equals
a full rebuild on the same inputs: the same landing area and the same ledger (a copy of the warehouse
as it was before the file arrived)."""

from __future__ import annotations

import shutil

import psycopg
import pytest
from psycopg import sql

from rentan.parameters import load_parameters
from rentan.transform import incremental
from rentan.validate.data_docs import DATA_DOCS_ENV
from rentan.warehouse import connect
from tests.helpers_dbt import copy_database, load_landing, migrated_database, publish_run, query
from tests.test_validation import PEOPLE

synth = pytest.importorskip("rentan_dev.synth")

# Models that read no payment data: an incremental build after a payment file must not touch them.
# (Enrollment does: who is called to replace a participant depends on the budget headroom.)
NOT_PAYMENT_MODELS = {
    "int_dtsen_individuals_at_selection",
    "int_dukcapil_residents_latest",
    "int_eligibility_reasons",
    "int_eligibility_ranked",
    "eligibility",
    "program_capacity",
}


def published_contents(url: str) -> dict[str, str]:
    """Every published relation (ops, marts) -> an md5 of all its rows."""
    with connect(url) as conn:
        names = conn.execute(
            """select n.nspname, c.relname from pg_class as c join pg_namespace as n on c.relnamespace = n.oid
               where n.nspname in ('ops', 'marts') and c.relkind in ('r', 'v') order by 1, 2"""
        ).fetchall()
        return {
            f"{schema}.{name}": conn.execute(
                sql.SQL("select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) from {} as t").format(
                    sql.Identifier(schema, name)
                )
            ).fetchone()[0]
            for schema, name in names
        }


def rebuilt_models(url: str, run_id: str) -> set[str]:
    return {
        uid.split(".")[-1]
        for (uid,) in query(
            url, "select unique_id from audit.dbt_results where run_id = %s and resource_type = 'model'", (run_id,)
        )
    }


@pytest.fixture(scope="module")
def runs(server_url, tmp_path_factory):
    """A full first run without the last payment file; a copy of that warehouse; the file arrives: an
    incremental run on the warehouse, a forced full run on the copy. Yields (urls by run, run results by
    name, contents by name)."""
    landing, held_back = tmp_path_factory.mktemp("incr_landing"), tmp_path_factory.mktemp("incr_held_back")
    synth.generate(landing, seed=11, people=PEOPLE, params=load_parameters())
    last_payment = sorted((landing / "bpjs_iuran").iterdir())[-1]
    shutil.move(last_payment, held_back / last_payment.name)
    with pytest.MonkeyPatch.context() as env, migrated_database(server_url, prefix="t_incr") as url:
        env.setenv(DATA_DOCS_ENV, str(tmp_path_factory.mktemp("data_docs")))
        env.setenv("WAREHOUSE_URL", url)
        load_landing(url, landing)
        results = {"first": publish_run("first")}
        shutil.move(held_back / last_payment.name, last_payment)
        with copy_database(server_url, url) as copy:
            load_landing(url, landing)
            results["incremental"] = publish_run("incremental")
            contents = {"incremental": published_contents(url)}
            env.setenv("WAREHOUSE_URL", copy)
            load_landing(copy, landing)
            with psycopg.connect(copy, autocommit=True) as conn:
                conn.execute("delete from meta.build_state")  # as after a failed build: the next one is full
            results["full"] = publish_run("full")
            contents["full"] = published_contents(copy)
            yield {"first": url, "incremental": url, "full": copy}, results, contents


def test_the_first_and_the_forced_runs_are_full_builds(runs):
    urls, results, _ = runs
    assert not results["first"]["incremental"] and not results["full"]["incremental"]
    assert NOT_PAYMENT_MODELS <= rebuilt_models(urls["full"], "full")


def test_a_new_payment_file_rebuilds_only_what_reads_payments(runs):
    urls, results, _ = runs
    url = urls["incremental"]
    assert results["incremental"]["incremental"]
    rebuilt = rebuilt_models(url, "incremental")
    assert {
        "int_payments_files",
        "int_payments_by_person",
        "reconciliation",
        "budget_monthly",
        "reconciliation_summary",
    } <= rebuilt
    assert not rebuilt & NOT_PAYMENT_MODELS
    assert {"ops.eligibility", "marts.program_capacity"} <= set(results["incremental"]["carried_over"])


def test_checks_of_carried_over_relations_keep_the_published_results_and_the_rest_run_again(runs):
    url = runs[0]["incremental"]
    origin = dict(
        query(
            url,
            """select suite || '.' || check_name, details->>'carried_over_from'
                                from audit.validation_results where run_id = 'incremental'""",
        )
    )
    assert origin["quota.capacity_within_quota"] == "first"
    unique_nik = next(k for k in origin if k.startswith("dbt.test.rentan.unique_eligibility_nik."))
    assert origin[unique_nik] == "first"  # a dbt test dbt did not select: the published run's result, kept
    assert origin["referential.participants_are_selected_or_called"] is None  # enrollment reads the headroom
    assert origin["control_totals.reconciliation_paid_matches_staged"] is None
    assert origin["budget.monthly_cumulative_paid_within_budget"] is None
    assert origin["control_totals.rows_add_up"] is None  # reads meta only: always run


# marts.data_version names the publication itself (its version, when it was built): it differs by design.
PER_PUBLICATION = {"marts.data_version"}


def test_the_incremental_result_equals_a_full_rebuild(runs):
    urls, _, contents = runs
    url = urls["incremental"]
    incremental_run, full_run = (
        {name: digest for name, digest in contents[run].items() if name not in PER_PUBLICATION}
        for run in ("incremental", "full")
    )
    assert incremental_run == full_run
    assert query(url, "select published_version from marts.data_version") == query(
        url, "select max(version) from meta.publish_log"
    )
    assert {"ops.eligibility", "ops.reconciliation", "marts.budget_monthly"} <= set(contents["full"])
    # the held-back month is in the books
    months = query(url, "select count(distinct period) from ops.reconciliation")[0][0]
    assert months == len(
        list(query(url, "select 1 from meta.load_manifest where feed = 'bpjs_iuran' and status = 'LOADED'"))
    )


def test_changed_parameters_code_or_key_mean_a_full_build(runs):
    urls, _, _ = runs
    url = urls["incremental"]
    with connect(url) as conn:
        inputs = incremental.current_inputs(
            conn, load_parameters(), conn.execute("select inputs->>'key' from meta.build_state").fetchone()[0]
        )
        assert incremental.plan(conn, inputs) == (None, "full build: no feed changed since the published build")
        for name, value in [("params", {**inputs["params"], "quota": 9000}), ("project", "x"), ("key", "y")]:
            select, why = incremental.plan(conn, {**inputs, name: value})
            assert select is None and why == f"full build: {name} changed since the published build"
        changed = {**inputs, "batches": {**inputs["batches"], "dukcapil": [-1]}}
        assert incremental.plan(conn, changed) == (["source:raw.dukcapil+"], "incremental build: dukcapil changed")
        conn.execute("update meta.build_state set run_id = 'not-published'")
        assert incremental.plan(conn, changed)[0] is None
