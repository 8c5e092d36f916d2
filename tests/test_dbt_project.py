"""Checks of the dbt project and the runner that need no database."""

from __future__ import annotations

import configparser
import json
import re

import pytest

from rentan.parameters import load_parameters
from rentan.paths import DBT_PROJECT_DIR, REPO_ROOT
from rentan.transform.dbt_runner import DbtRun, dbt_env, run_dbt


def test_dbt_env_from_a_tcp_url():
    env = dbt_env("postgresql://etl:s3cret%21@db.example:6543/rentan")
    assert env == {
        "RENTAN_DB_HOST": "db.example",
        "RENTAN_DB_PORT": "6543",
        "RENTAN_DB_USER": "etl",
        "RENTAN_DB_PASSWORD": "s3cret!",
        "RENTAN_DB_NAME": "rentan",
        "RENTAN_DB_ROLE": "rentan_etl",
    }


def test_dbt_env_from_a_socket_url_uses_libpq_defaults(monkeypatch):
    for name in ("PGPORT", "PGPASSWORD"):
        monkeypatch.delenv(name, raising=False)
    env = dbt_env("postgresql://etl@/rentan?host=/tmp/rentan-pg-abc", role=None)
    assert (env["RENTAN_DB_HOST"], env["RENTAN_DB_PORT"], env["RENTAN_DB_PASSWORD"]) == (
        "/tmp/rentan-pg-abc",
        "5432",
        "",
    )
    assert env["RENTAN_DB_ROLE"] == ""


def test_run_summary_names_the_failing_nodes():
    run = DbtRun(
        args=["build"],
        success=False,
        returncode=1,
        seconds=1.0,
        results=[
            {"unique_id": "model.rentan.a", "resource_type": "model", "status": "success", "seconds": 1, "message": ""},
            {"unique_id": "test.rentan.b", "resource_type": "test", "status": "fail", "seconds": 1, "message": "Got 2"},
        ],
    )
    assert [f["unique_id"] for f in run.failures] == ["test.rentan.b"]
    assert "test.rentan.b (fail: Got 2)" in run.summary()


def test_sqlfluff_lint_vars_are_exactly_the_programme_parameters():
    config = configparser.ConfigParser()
    config.read(REPO_ROOT / ".sqlfluff")
    assert set(config["sqlfluff:templater:dbt:context"]) == set(load_parameters())


PARAMETER_LITERALS = [
    "2025-12-15",
    "2026-01",
    "2026-12",
    "10000",
    "2000000000",
    "1000000",
    "0.01",
    "6800",
    "3275",
    "PEMKOT_BEKASI",
    "16800",
    "201600",
    "9920",
]


@pytest.mark.parametrize(
    "path",
    sorted((DBT_PROJECT_DIR / "models").rglob("*.sql"))
    + sorted((DBT_PROJECT_DIR / "macros").rglob("*.sql"))
    + sorted((DBT_PROJECT_DIR / "tests").rglob("*.sql")),
    ids=lambda p: p.name,
)
def test_sql_hard_codes_no_programme_parameter(path):
    code = "\n".join(line.split("--", 1)[0] for line in path.read_text().splitlines())
    found = [value for value in PARAMETER_LITERALS if re.search(rf"(?<![\w.]){re.escape(value)}(?![\w])", code)]
    assert not found, f"{path.name} hard-codes {found}: read the parameter from int_program_parameters"


def test_only_int_program_parameters_reads_parameter_vars():
    names = "|".join(load_parameters())
    readers = {
        p.name
        for p in (DBT_PROJECT_DIR / "models").rglob("*.sql")
        if re.search(rf"var\(\s*['\"]({names})['\"]", p.read_text())
    }
    # The snapshot models read selection_date for the latest_batch macro (an as-of date).
    assert readers - {"int_program_parameters.sql"} <= {
        "int_dtsen_individuals_at_selection.sql",
        "int_dukcapil_residents_at_selection.sql",
        "int_bpjs_memberships_at_selection.sql",
    }
    assert "int_program_parameters.sql" in readers


@pytest.fixture(scope="module")
def parsed(tmp_path_factory):
    """`dbt parse` (no database) into a target of its own, as a full first run would: its manifest."""
    target = tmp_path_factory.mktemp("dbt_target")
    switches = {"build_schema_suffix": "_build", "carry_over": False, "cohort_size": None, "ledger_fresh": False}
    run = run_dbt(["parse"], NO_DATABASE, load_parameters(), extra_vars=switches, target_path=target)
    assert run.returncode == 0, run.log_tail
    return target, json.loads((target / "manifest.json").read_text())


NO_DATABASE = "postgresql://nobody@localhost/none"


@pytest.mark.slow
def test_only_staging_models_read_sources(parsed):
    """A source is read in one place, its staging model; every other model refs staging.

    From the parsed manifest: a source reached through a macro or a `depends_on` comment counts too.
    """
    nodes = parsed[1]["nodes"].values()
    offenders = {
        node["original_file_path"]: sources
        for node in nodes
        if node["resource_type"] == "model"
        and not node["original_file_path"].startswith("models/staging/")
        and (sources := sorted(d for d in node["depends_on"]["nodes"] if d.startswith("source.")))
    }
    assert not offenders, f"models outside staging read sources (add a staging model and ref it): {offenders}"
    assert any(d.startswith("source.") for n in nodes for d in n["depends_on"]["nodes"])


@pytest.mark.slow
def test_a_run_switch_keeps_the_partial_parse(parsed):
    """An incremental run after a full one (carry_over, cohort_size change) re-parses a few files, not the project.

    A change of --vars would re-parse all of them: the switches travel as environment variables.
    """
    target, _ = parsed
    switches = {"build_schema_suffix": "_build", "carry_over": True, "cohort_size": 9000, "ledger_fresh": False}
    run = run_dbt(["parse"], NO_DATABASE, load_parameters(), extra_vars=switches, target_path=target)
    assert run.returncode == 0, run.log_tail
    performance = json.loads((target / "perf_info.json").read_text())
    assert performance["is_partial_parse_enabled"]
    # the files that read the switches, re-parsed (a full parse reads every one of path_count)
    assert 0 < performance["parsed_path_count"] < performance["path_count"] / 4, performance


def test_each_model_is_described_in_one_yml_of_its_own_name():
    """One yml per model, beside it: a newcomer finds a model's columns and tests in `<model>.yml`."""
    import yaml

    misplaced = []
    for path in sorted((DBT_PROJECT_DIR / "models").rglob("*.yml")):
        names = [m["name"] for m in (yaml.safe_load(path.read_text()) or {}).get("models", [])]
        if names and names != [path.stem]:
            misplaced.append(f"{path.relative_to(DBT_PROJECT_DIR)}: {names}")
    undescribed = [
        str(sql.relative_to(DBT_PROJECT_DIR))
        for sql in sorted((DBT_PROJECT_DIR / "models").rglob("*.sql"))
        if not sql.with_suffix(".yml").exists()
    ]
    assert misplaced == [] and undescribed == []
