"""Incremental builds: after one new monthly payment file, only what reads payments (and the decision
ledger, which the first publish grew) is rebuilt, the rest is carried over, and what readers see equals
a full rebuild on the same inputs: the same landing area and the same ledger (a copy of the warehouse
as it was before the file arrived). Then the real month: a Dukcapil snapshot with participants' deaths,
a BPJS membership snapshot and a payment file arrive together; it rebuilds what reads them but not
what reads only the snapshots in force on selection_date, and equals a full rebuild too.

A small quota (the generator's option) gives a waiting list, so deaths free slots that replacements fill.
"""

from __future__ import annotations

import json
import shutil

import psycopg
import pytest
from psycopg import sql

from rentan.parameters import load_parameters
from rentan.transform import incremental
from rentan.validate.data_docs import DATA_DOCS_ENV
from rentan.warehouse import connect
from tests.helpers_dbt import copy_database, load_landing, migrated_database, publish_run, query, warehouse_env
from tests.test_validation import PEOPLE

synth = pytest.importorskip("rentan_dev.synth")

# With seed 11 at PEOPLE, a quota of 60 leaves a waiting list and the last Dukcapil snapshot shows a
# participant's death (the real month's fixture asserts both).
PARAMS = {"quota": 60}

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


def held_back_month(landing, held_back) -> list[str]:
    """Move the real month's files (the newest Dukcapil and BPJS membership snapshots and payment file) aside."""
    month = [sorted((landing / feed).iterdir())[-1] for feed in ("dukcapil", "bpjs_kepesertaan", "bpjs_iuran")]
    for path in month:
        shutil.move(path, held_back / path.name)
    return [str(path.relative_to(landing)) for path in month]


@pytest.fixture(scope="module")
def runs(server_url, tmp_path_factory):
    """A full first run without the last two months' payments and the last month's snapshots; a copy of that
    warehouse; the payment file before the last arrives: an incremental run on the warehouse, a forced full
    run on the copy. Yields (urls by run, run results by name, contents by name, the landing area)."""
    landing, held_back = tmp_path_factory.mktemp("incr_landing"), tmp_path_factory.mktemp("incr_held_back")
    synth.generate(landing, seed=11, people=PEOPLE, params=load_parameters(PARAMS))
    month = held_back_month(landing, held_back)
    last_payment = sorted((landing / "bpjs_iuran").iterdir())[-1]
    shutil.move(last_payment, held_back / last_payment.name)
    with pytest.MonkeyPatch.context() as env, migrated_database(server_url, prefix="t_incr") as url:
        env.setenv(DATA_DOCS_ENV, str(tmp_path_factory.mktemp("data_docs")))
        env.setenv("WAREHOUSE_URL", url)
        load_landing(url, landing)
        results = {"first": publish_run("first", PARAMS)}
        shutil.move(held_back / last_payment.name, last_payment)
        with copy_database(server_url, url) as copy:
            load_landing(url, landing)
            results["incremental"] = publish_run("incremental", PARAMS)
            contents = {"incremental": published_contents(url)}
            env.setenv("WAREHOUSE_URL", copy)
            load_landing(copy, landing)
            with psycopg.connect(copy, autocommit=True) as conn:
                conn.execute("delete from meta.build_state")  # as after a failed build: the next one is full
            results["full"] = publish_run("full", PARAMS)
            contents["full"] = published_contents(copy)
            yield {"first": url, "incremental": url, "full": copy}, results, contents, (landing, held_back, month)


@pytest.fixture(scope="module")
def real_month(runs, server_url):
    """After the payment month, the real month's three files arrive together: an incremental run (with dbt's
    unit tests asked for, as the DAG does) on a copy of the warehouse, a forced full run on another copy.
    Yields (urls by run, run results by name, contents by name)."""
    urls, _, _, (landing, held_back, month) = runs
    with copy_database(server_url, urls["incremental"]) as month_url, copy_database(server_url, month_url) as full:
        for name in month:
            shutil.move(held_back / name.split("/")[-1], landing / name)
        results, contents = {}, {}
        with warehouse_env(month_url):
            load_landing(month_url, landing)
            results["incremental"] = publish_run("month", PARAMS, unit_tests=True)
            contents["incremental"] = published_contents(month_url)
        with warehouse_env(full):
            load_landing(full, landing)
            with psycopg.connect(full, autocommit=True) as conn:
                conn.execute("delete from meta.build_state")
            results["full"] = publish_run("month_full", PARAMS)
            contents["full"] = published_contents(full)
        yield {"before": urls["incremental"], "incremental": month_url, "full": full}, results, contents


def test_the_first_and_the_forced_runs_are_full_builds(runs):
    urls, results, _, _ = runs
    assert not results["first"]["incremental"] and not results["full"]["incremental"]
    assert NOT_PAYMENT_MODELS <= rebuilt_models(urls["full"], "full")


def test_a_new_payment_file_rebuilds_only_what_reads_payments(runs):
    urls, results, _, _ = runs
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


def same_publication(contents: dict) -> None:
    """The incremental run's published relations equal the full rebuild's, row for row."""
    incremental_run, full_run = (
        {name: digest for name, digest in contents[run].items() if name not in PER_PUBLICATION}
        for run in ("incremental", "full")
    )
    assert incremental_run == full_run


def test_the_incremental_result_equals_a_full_rebuild(runs):
    urls, _, contents, _ = runs
    url = urls["incremental"]
    same_publication(contents)
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
    urls, _, _, _ = runs
    url = urls["incremental"]
    with connect(url) as conn:
        inputs = incremental.current_inputs(
            conn, load_parameters(PARAMS), conn.execute("select inputs->>'key' from meta.build_state").fetchone()[0]
        )
        assert incremental.plan(conn, inputs) == (None, "full build: no feed changed since the published build")
        for name, value in [("params", {**inputs["params"], "quota": 9000}), ("project", "x"), ("key", "y")]:
            select, why = incremental.plan(conn, {**inputs, name: value})
            assert select is None and why == f"full build: {name} changed since the published build"
        changed = {**inputs, "batches": {**inputs["batches"], "dukcapil": [-1]}}
        assert incremental.plan(conn, changed) == (["source:raw.dukcapil+"], "incremental build: dukcapil changed")
        with conn.transaction(force_rollback=True):  # the real month's fixture copies this warehouse
            conn.execute("update meta.build_state set run_id = 'not-published'")
            assert incremental.plan(conn, changed)[0] is None


# What reads only the snapshots in force on selection_date: the real month rebuilds none of it.
AT_SELECTION_ONLY = {
    "int_dukcapil_residents_at_selection",
    "int_bpjs_memberships_at_selection",
    "int_eligibility_reasons",
    "int_eligibility_ranked",
    "int_person_status_facts",
    "eligibility",
    "registration_list",
    "program_capacity",
    "person_case",
}


def test_the_real_month_brings_deaths_of_participants_and_replacements(real_month):
    """What the month's data holds, as the full rebuild reads it: the test must exercise freed slots."""
    urls, _, _ = real_month
    alive = {nik for (nik,) in query(urls["before"], "select nik from ops.enrollment where died_on is null")}
    died = {nik for (nik,) in query(urls["full"], "select nik from ops.enrollment where died_on is not null")}
    assert alive & died, "the held-back Dukcapil snapshot shows no participant's death: pick another month or seed"
    freed = query(
        urls["full"],
        "select count(*) from ops.replacement_list where replaces_nik = any(%s)",
        (list(alive & died),),
    )
    waiting = query(urls["full"], "select count(*) from ops.eligibility where waitlist_rank is not null")
    assert freed[0][0] >= 1 and waiting[0][0] > 0  # a slot the month freed is filled from the waiting list


def test_the_real_month_rebuilds_what_reads_the_latest_snapshots_not_the_selection(real_month):
    urls, results, _ = real_month
    assert results["incremental"]["incremental"] and not results["full"]["incremental"]
    rebuilt = rebuilt_models(urls["incremental"], "month")
    assert {
        "int_dukcapil_residents_latest",
        "int_eligibility_latest",
        "int_enrollment_participants",
        "enrollment",
        "replacement_list",
        "replacement_skips",
        "person_case_dukcapil_latest",
        "person_case_waitlist",
        "reconciliation",
        "budget_monthly",
    } <= rebuilt
    assert not rebuilt & AT_SELECTION_ONLY
    assert AT_SELECTION_ONLY <= rebuilt_models(urls["full"], "month_full")
    assert {"ops.eligibility", "ops.registration_list", "ops.person_case", "marts.program_capacity"} <= set(
        results["incremental"]["carried_over"]
    )


def test_the_real_month_keeps_the_published_unit_test_results(real_month):
    url = real_month[0]["incremental"]
    assert not query(url, "select 1 from audit.dbt_results where run_id = 'month' and resource_type = 'unit_test'")
    kept = query(
        url,
        """select count(*), count(*) filter (where details ? 'carried_over_from') from audit.validation_results
           where run_id = 'month' and check_name like 'unit_test.%%'""",
    )[0]
    assert kept[0] > 0 and kept[0] == kept[1]


def test_the_real_month_equals_a_full_rebuild(real_month):
    urls, _, contents = real_month
    same_publication(contents)
    url = urls["incremental"]  # the new snapshot is the one in force
    assert query(url, "select max(snapshot_date) from intermediate.int_dukcapil_residents_latest") == query(
        url, "select max(snapshot_date) from meta.load_manifest where feed = 'dukcapil' and status = 'LOADED'"
    )


def small_manifest(at_selection_materialized: str) -> dict:
    """A feed read by a staging view, an at_selection model and the latest snapshot; a ranking reading only
    the first, a case reading both (the shape of dbt's manifest.json, only the fields plan reads)."""

    def model(name: str, materialized: str = "table", tags: tuple = ()) -> dict:
        return {"name": name, "tags": list(tags), "config": {"materialized": materialized}}

    return {
        "nodes": {
            "model.rentan.stg": model("stg", "view"),
            "model.rentan.at_sel": model("at_sel", at_selection_materialized, [incremental.AT_SELECTION_TAG]),
            "model.rentan.latest": model("latest"),
            "model.rentan.ranked": model("ranked"),
            "model.rentan.case": model("case"),
        },
        "sources": {"source.rentan.raw.feed": {"source_name": "raw", "name": "feed"}},
        "child_map": {
            "source.rentan.raw.feed": ["model.rentan.stg"],
            "model.rentan.stg": ["model.rentan.at_sel", "model.rentan.latest", "test.rentan.not_null_stg_nik"],
            "model.rentan.at_sel": ["model.rentan.ranked", "model.rentan.case"],
            "model.rentan.latest": ["model.rentan.case"],
        },
    }


def test_a_later_snapshot_rebuilds_what_reads_it_other_than_through_at_selection_tables(tmp_path):
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(small_manifest("table")))
    assert incremental.reading(["feed", "other"], {"feed"}, manifest) == ["source:raw.other+", "case", "latest", "stg"]
    assert incremental.reading(["feed"], set(), manifest) == ["source:raw.feed+"]  # dated on or before selection
    assert incremental.reading(["feed"], {"feed"}, tmp_path / "none.json") == ["source:raw.feed+"]
    # a view is made again with the staging view it reads (a cascading drop), and so is what reads it
    manifest.write_text(json.dumps(small_manifest("view")))
    assert incremental.reading(["feed"], {"feed"}, manifest) == ["at_sel", "case", "latest", "ranked", "stg"]
