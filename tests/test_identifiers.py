"""One NIK rule: Python's normalize_id gives what the warehouse's meta.normalize_id gives, on the same inputs.
And meta.normalize_label, which skips clean values (V052), gives what its full rule gives."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rentan.identifiers import WHITESPACE, normalize_id
from rentan.reports.explain import normalize_nik

WRITTEN_OUT = [
    None,
    "",
    "   ",
    "'",
    "3275014101900001",
    " 3275 0141 0190 0001 ",
    "'3275014101900001",
    "''3275014101900001",
    " '3275014101900001",  # whitespace first, then the apostrophe
    "3275'014101900001",  # an apostrophe inside stays: not a NIK
    "\u00a03275014101900001\u202f",
    "3275\u2007014101900001\t\n",
    "3275\u2003014101900001",  # an em space is not delivered whitespace: it stays
]
# Characters the rule treats specially, and a few it does not.
ALPHABET = st.sampled_from([*WHITESPACE, "'", "0", "1", "9", "a", "\u2003", "\u3000", "-"])


def in_sql(conn, value: str | None) -> str | None:
    return conn.execute("select meta.normalize_id(%s)", (value,)).fetchone()[0]


def test_normalize_id_is_the_warehouse_rule(conn):
    for value in WRITTEN_OUT:
        assert normalize_id(value) == in_sql(conn, value), repr(value)


@settings(
    max_examples=300, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=st.text(ALPHABET, max_size=20))
def test_normalize_id_agrees_with_sql_on_drawn_inputs(conn, value):
    assert normalize_id(value) == in_sql(conn, value)


# meta.normalize_label as V011 wrote it: every run of whitespace collapsed, on every value.
FULL_LABEL_RULE = "nullif(upper(btrim(regexp_replace(%(v)s, '[' || meta.whitespace() || ']+', ' ', 'g'), ' ')), '')"


@settings(
    max_examples=300, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(  # with every kind of whitespace, and with spaces alone (the values the shortcut keeps as they are)
    value=st.text(st.sampled_from([*WHITESPACE, "a", "B", "\u00e9", "-", "\u2003"]), max_size=12)
    | st.text(st.sampled_from(" aB\u00e9-\u2003"), max_size=12)
)
def test_normalize_label_gives_its_full_rule_on_drawn_inputs(conn, value):
    shortcut, full = conn.execute(f"select meta.normalize_label(%(v)s), {FULL_LABEL_RULE}", {"v": value}).fetchone()
    assert shortcut == full, repr(value)


@pytest.mark.parametrize(
    ("given_nik", "normalised"),
    [(" '3275 0141 0190 0001", "3275014101900001"), ("3275014101900001\u00a0", "3275014101900001")],
)
def test_explain_reads_a_nik_as_the_loader_does(given_nik, normalised):
    assert normalize_nik(given_nik) == normalised


@pytest.mark.parametrize("given_nik", ["3275'014101900001", "3275\u2003014101900001", "327501410190000"])
def test_explain_refuses_what_the_loader_would_not_read_as_a_nik(given_nik):
    with pytest.raises(ValueError, match="NIK tidak valid"):
        normalize_nik(given_nik)
