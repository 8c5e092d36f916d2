"""BI marts hold no personal data, person_key is the keyed HMAC, and each role reads only its schemas."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import subprocess
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql

from rentan.parameters import load_parameters
from rentan.transform import dbt_runner
from rentan.warehouse.pseudonym import KEY_ENV
from rentan_dev.synth import generate
from tests.helpers_dbt import load_landing, migrated_database, query

# Columns that would carry personal data (program-rules.md section 8).
PERSONAL_COLUMNS = {
    "nik",
    "kpj",
    "nama",
    "nama_lengkap",
    "tanggal_lahir",
    "tempat_lahir",
    "alamat",
    "rt",
    "rw",
    "no_kk",
    "tgl_kepesertaan",
    "died_on",
    "tanggal_kematian",
    "no_referensi",
}


@pytest.fixture(scope="module")
def built(server_url, tmp_path_factory) -> str:
    params = load_parameters({"quota": 200})
    landing = tmp_path_factory.mktemp("bi") / "landing"
    generate(landing, seed=5, people=3000, params=params)
    with migrated_database(server_url, prefix="t_bi") as url:
        load_landing(url, landing)
        run = dbt_runner.build(url, params, unit_tests=False)
        assert run.success, run.summary()
        yield url


def marts_columns(url: str) -> list[tuple[str, str, str]]:
    return query(
        url,
        """select table_name, column_name, data_type from information_schema.columns
                         where table_schema = 'marts' order by 1, 2""",
    )


def test_no_bi_relation_has_a_personal_data_column(built):
    columns = marts_columns(built)
    assert {t for t, _, _ in columns} >= {"person_status", "person_payment_months", "kecamatan_category_monthly"}
    assert [(t, c) for t, c, _ in columns if c in PERSONAL_COLUMNS] == []


def test_no_bi_value_is_a_nik_a_name_or_a_birth_date(built):
    names = {n for (n,) in query(built, "select nama from ops.registration_list")} | {
        n for (n,) in query(built, "select nama from ops.enrollment where nama is not null")
    }
    niks = {n for (n,) in query(built, "select nik from ops.eligibility")}
    assert names and niks
    for table, column, data_type in marts_columns(built):
        values = {
            v
            for (v,) in query(
                built,
                sql.SQL("select distinct {}::text from {}")
                .format(sql.Identifier(column), sql.Identifier("marts", table))
                .as_string(),
            )
            if v is not None
        }
        assert not values & niks, (table, column)
        assert not values & names, (table, column)
        assert not any(v.isdigit() and len(v) == 16 for v in values), (table, column)
        if data_type == "date":  # months of the programme, never a date of birth
            assert min(values) >= "2020-01-01", (table, column)


def test_person_key_is_the_keyed_hmac_of_every_candidates_nik(built):
    key = os.environ[KEY_ENV].encode()
    expected = {
        hmac.new(key, nik.encode(), hashlib.sha256).hexdigest()
        for (nik,) in query(built, "select nik from ops.eligibility")
    }
    assert {k for (k,) in query(built, "select person_key from marts.person_status")} == expected
    paid = {k for (k,) in query(built, "select person_key from marts.person_payment_months")}
    assert paid and paid <= expected | {
        hmac.new(key, n.encode(), hashlib.sha256).hexdigest()
        for (n,) in query(built, "select nik from ops.reconciliation")
    }


@pytest.mark.parametrize(
    ("group", "readable", "denied"),
    [
        ("rentan_bi", "marts.person_status", "ops.eligibility"),
        ("rentan_engineer", "meta.load_manifest", "ops.registration_list"),
    ],
)
def test_roles_read_relations_dbt_created_after_the_grants_and_nothing_else(built, group, readable, denied):
    name, password = f"t_{group}_{secrets.token_hex(4)}", secrets.token_urlsafe(12)
    with psycopg.connect(built, autocommit=True) as admin:
        admin.execute(
            sql.SQL("create role {} login password {} in role {}").format(
                sql.Identifier(name), sql.Literal(password), sql.Identifier(group)
            )
        )
    try:
        parts = urlsplit(built)
        url = parts._replace(netloc=f"{name}:{password}@{parts.hostname}:{parts.port}").geturl()
        with psycopg.connect(url, autocommit=True) as reader:
            reader.execute(f"select count(*) from {readable}").fetchone()
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                reader.execute(f"select count(*) from {denied}")
    finally:
        with psycopg.connect(built, autocommit=True) as admin:
            admin.execute(sql.SQL("drop role {}").format(sql.Identifier(name)))


def test_the_demo_key_file_is_ignored_by_git():
    from rentan.paths import REPO_ROOT
    from rentan.warehouse.pseudonym import DEMO_KEY_FILE

    ignored = subprocess.run(["git", "check-ignore", "-q", str(DEMO_KEY_FILE)], cwd=REPO_ROOT)
    assert ignored.returncode == 0
