"""BI marts hold no personal data and single nobody out (aggregates only, small groups hidden), and each
role reads only its schemas."""

from __future__ import annotations

import re
import secrets
import subprocess
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import dict_row

from rentan.parameters import load_parameters
from rentan.transform import dbt_runner
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
    "person_key",
}
# What can single a person out when a group is small (marts.md): the row's describing dimensions.
QUASI_IDENTIFIERS = {
    "kode_kecamatan",
    "nama_kecamatan",
    "kode_kelurahan",
    "nama_kelurahan",
    "age_band",
    "jenis_kelamin",
    "kategori_informal",
    "dimension",  # recipient_distribution's one-dimension rows (all but the whole city, KOTA)
}
# Columns that count people: each is a group tied to what its row or its name says.
COUNT_COLUMN = re.compile(r"^(persons\w*|candidates\w*|eligible\w*|selected\w*|waitlisted|active_participants)$")
# Sets of rows that add up to a total published elsewhere: never exactly one hidden in one.
SUPPRESSION_SETS = {
    "recipient_distribution": [("dimension", "parent_code")],
    "reconciliation_by_kecamatan": [("period", "category")],  # city totals: reconciliation_summary
    "consecutive_unpaid_counts": [("period", "consecutive_unpaid_band")],
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
    assert {t for t, _, _ in columns} >= {"recipient_distribution", "reconciliation_by_kecamatan"}
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


@pytest.mark.parametrize(
    ("group", "readable", "denied"),
    [
        ("rentan_bi", "marts.recipient_distribution", "ops.eligibility"),
        ("rentan_engineer", "meta.load_manifest", "ops.registration_list"),
    ],
)
def test_roles_read_relations_dbt_created_after_the_grants_and_nothing_else(built, group, readable, denied):
    with login(built, group) as url, psycopg.connect(url, autocommit=True) as reader:
        reader.execute(f"select count(*) from {readable}").fetchone()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            reader.execute(f"select count(*) from {denied}")


@contextmanager
def login(url: str, group: str) -> Iterator[str]:
    """A login in `group` on the test database, dropped afterwards: its URL."""
    name, password = f"t_{group}_{secrets.token_hex(4)}", secrets.token_urlsafe(12)
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(
            sql.SQL("create role {} login password {} in role {}").format(
                sql.Identifier(name), sql.Literal(password), sql.Identifier(group)
            )
        )
    try:
        parts = urlsplit(url)
        yield parts._replace(netloc=f"{name}:{password}@{parts.hostname}:{parts.port}").geturl()
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(sql.SQL("drop role {}").format(sql.Identifier(name)))


def test_the_bi_login_can_single_nobody_out(built):
    """As the BI login, every relation it can read: rows describe groups (never a person), and no
    count of a group described by area, age band, sex or informal category (with its desil,
    eligibility, payment category, death...) is between 1 and bi_min_group_size - 1, nor its rupiah
    shown when the count is hidden, nor one hidden cell alone in a set whose total is published."""
    k = load_parameters()["bi_min_group_size"]
    with login(built, "rentan_bi") as url, psycopg.connect(url) as bi, bi.cursor(row_factory=dict_row) as cur:
        relations = [
            name
            for (name,) in bi.execute(
                """select table_name from information_schema.tables
                   where table_schema not in ('pg_catalog', 'information_schema') order by 1"""
            )
        ]
        schemas = {
            s
            for (s,) in bi.execute(
                "select distinct table_schema from information_schema.tables "
                "where table_schema not in ('pg_catalog', 'information_schema')"
            )
        }
        assert schemas == {"marts"} and len(relations) >= 10
        checked = []
        for relation in relations:
            rows = cur.execute(sql.SQL("select * from {}").format(sql.Identifier("marts", relation))).fetchall()
            columns = [d.name for d in cur.description]
            identifying = QUASI_IDENTIFIERS & set(columns)
            if not identifying or not rows:
                continue
            # The whole city's rows describe the city, not a small group.
            rows = [r for r in rows if r.get("dimension", r.get("kode_kecamatan")) != "KOTA"]
            counts = [c for c in columns if COUNT_COLUMN.match(c)]
            assert counts, f"marts.{relation}: rows described by {sorted(identifying)} but no count: rows are people"
            small = [(c, r[c]) for r in rows for c in counts if isinstance(r[c], int) and 0 < r[c] < k]
            assert not small, f"marts.{relation}: groups smaller than {k} shown: {small[:5]}"
            hidden = [r for r in rows if all(r[c] is None for c in counts)]
            rupiah = [c for c in columns if c.endswith("_idr")]
            assert all(r[c] is None for r in hidden for c in rupiah), f"marts.{relation}: rupiah of a hidden group"
            assert relation in SUPPRESSION_SETS, f"marts.{relation}: say which of its rows add up to a total"
            for keys in SUPPRESSION_SETS[relation]:
                per_set = Counter(tuple(r[key] for key in keys) for r in hidden)
                assert 1 not in per_set.values(), f"marts.{relation}: one hidden cell alone in a set of {keys}"
            checked.append((relation, len(hidden)))
    assert {relation for relation, _ in checked} == set(SUPPRESSION_SETS)
    assert all(hidden for _, hidden in checked), f"the small city should hide some groups in each: {checked}"


def test_the_demo_key_file_is_ignored_by_git():
    from rentan.paths import REPO_ROOT
    from rentan.warehouse.pseudonym import DEMO_KEY_FILE

    ignored = subprocess.run(["git", "check-ignore", "-q", str(DEMO_KEY_FILE)], cwd=REPO_ROOT)
    assert ignored.returncode == 0
