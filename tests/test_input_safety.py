"""Hostile file names and headers load or reject cleanly, and no SQL in them is executed."""

from __future__ import annotations

from tests.factories import DTSEN_HEADER, DTSEN_ROW, load_all, write

HOSTILE = "x'); drop table meta.load_manifest cascade; --"


def tables(conn) -> set[str]:
    return {
        f"{s}.{t}"
        for s, t in conn.execute("select schemaname, tablename from pg_tables where schemaname in ('meta', 'raw')")
    }


def test_a_file_name_with_quotes_and_semicolons_is_rejected_and_recorded_verbatim(conn, landing):
    before = tables(conn)
    name = f'dtsen_20251201{HOSTILE}";.csv'
    write(landing, "dtsen", name, [DTSEN_HEADER, DTSEN_ROW])
    message = load_all(conn, landing)[f"dtsen/{name}"]
    assert "file name does not match" in message
    assert tables(conn) == before
    assert conn.execute("select file_name, status from meta.load_manifest").fetchone() == (f"dtsen/{name}", "REJECTED")


def test_a_header_with_sql_in_it_is_an_ignored_column_and_nothing_runs(conn, landing):
    before = tables(conn)
    header = f'{DTSEN_HEADER},"{HOSTILE.replace(chr(34), chr(34) * 2)}"'
    write(landing, "dtsen", "dtsen_20251201.csv", [header, DTSEN_ROW + ",value"])
    result = load_all(conn, landing)["dtsen/dtsen_20251201.csv"]
    assert result["rows_loaded"] == 1
    assert result["warnings"] == [f"dtsen/dtsen_20251201.csv: line 1, column 11: unknown column {HOSTILE!r} ignored"]
    after = tables(conn)
    assert before <= after and all("drop" not in t for t in after)
    assert conn.execute("select count(*) from meta.load_manifest").fetchone()[0] == 1


def test_a_header_naming_a_contract_column_with_sql_around_it_does_not_match(conn, landing):
    header = DTSEN_HEADER.replace("nik", 'nik" text); drop table raw.dtsen; --', 1)
    write(landing, "dtsen", "dtsen_20251201.csv", [header, DTSEN_ROW])
    assert load_all(conn, landing)["dtsen/dtsen_20251201.csv"].endswith("required column 'nik' missing")
    assert conn.execute("select count(*) from raw.dtsen").fetchone()[0] == 0
