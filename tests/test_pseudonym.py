"""person_key is HMAC-SHA256 of the NIK: the SQL of the dbt macro agrees with Python's hmac."""

from __future__ import annotations

import hashlib
import hmac

import psycopg
import pytest

from rentan.paths import DBT_PROJECT_DIR
from rentan.warehouse import pseudonym

NIKS = ["3275014101900001", "3201010101850002", "3275019912990003"]


def sql_person_keys(conn, niks: list[str]) -> list[str]:
    """The macro's expression, rendered as dbt renders it, over the installed key."""
    macro = (DBT_PROJECT_DIR / "macros" / "person_key.sql").read_text()
    expression = macro.split("-%}")[1].split("{%-")[0].strip().replace("{{ key_alias }}", "pseudonym_key")
    expression = expression.replace("{{ nik }}", "n.nik")
    return [
        row[0]
        for row in conn.execute(
            f"select {expression} from unnest(%s::text[]) with ordinality as n(nik, i) "
            "cross join secret.pseudonym_key order by n.i",
            (niks,),
        )
    ]


@pytest.mark.parametrize("key", [b"k", b"a longer key of the city of Bekasi", b"x" * 100])
def test_sql_hmac_equals_python_hmac(conn, key):
    pseudonym.install_key(conn, key)
    expected = [hmac.new(key, nik.encode(), hashlib.sha256).hexdigest() for nik in NIKS]
    assert sql_person_keys(conn, NIKS) == expected


def test_stable_under_one_key_and_different_under_another(conn):
    pseudonym.install_key(conn, b"first key")
    first = sql_person_keys(conn, NIKS)
    assert sql_person_keys(conn, NIKS) == first and len(set(first)) == len(NIKS)
    pseudonym.install_key(conn, b"second key")
    assert not set(sql_person_keys(conn, NIKS)) & set(first)


def test_key_comes_from_the_environment_and_is_required(monkeypatch, tmp_path):
    monkeypatch.setenv(pseudonym.KEY_ENV, "from-env")
    assert pseudonym.load_key() == b"from-env"
    monkeypatch.delenv(pseudonym.KEY_ENV)
    monkeypatch.setenv(pseudonym.KEY_FILE_ENV, str(tmp_path / "absent"))
    with pytest.raises(pseudonym.MissingKey):
        pseudonym.load_key()
    (tmp_path / "key").write_text("from-file\n")
    monkeypatch.setenv(pseudonym.KEY_FILE_ENV, str(tmp_path / "key"))
    assert pseudonym.load_key() == b"from-file"


def test_only_the_pipeline_role_can_read_the_key(conn, fresh_url):
    pseudonym.install_key(conn, b"k")
    conn.execute("reset role")
    for group in ("rentan_engineer", "rentan_officer", "rentan_bi"):
        conn.execute(f"set role {group}")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select k_ipad from secret.pseudonym_key")
        conn.execute("reset role")
