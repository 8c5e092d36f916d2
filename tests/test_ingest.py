"""The loader against a real PostgreSQL: every defect class and failure mode of extracts.md."""

from __future__ import annotations

import subprocess
import sys
import time

import psycopg
import pytest

from rentan.ingest.contracts import CONTRACTS
from rentan.ingest.landing import scan, split_new_and_loaded
from tests.factories import (
    DTSEN_HEADER,
    DTSEN_ROW,
    DUKCAPIL_HEADER,
    GOOD_NIK,
    PAYMENT_HEADER,
    load_all,
    quarantined,
    write,
)


def test_clean_file_loads_every_row_as_text(conn, landing):
    write(landing, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER, DTSEN_ROW])
    result = load_all(conn, landing)["dtsen/dtsen_20251201.csv"]
    assert (result["rows_read"], result["rows_loaded"], result["rows_quarantined"]) == (1, 1, 0)
    row = conn.execute("select line_no, nik, nama, desil from raw.dtsen").fetchone()
    assert row == (2, GOOD_NIK, "Siti Aminah", "3")


def test_bom_crlf_any_column_order_and_case_insensitive_header(conn, landing):
    columns = DTSEN_HEADER.split(",")
    values = DTSEN_ROW.split(",")
    order = list(reversed(range(len(columns))))
    header = ",".join(f" {columns[i].upper()} " for i in order)
    write(
        landing, "dtsen", "dtsen_20251201.csv", [header, ",".join(values[i] for i in order)], newline="\r\n", bom=True
    )
    result = load_all(conn, landing)["dtsen/dtsen_20251201.csv"]
    assert result["rows_loaded"] == 1
    assert conn.execute("select nik, id_keluarga, pekerjaan_utama from raw.dtsen").fetchone() == (
        GOOD_NIK,
        "K1",
        "PEMULUNG",
    )


def test_extra_column_is_ignored_with_a_warning(conn, landing):
    write(landing, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER + ",keterangan", DTSEN_ROW + ",catatan"])
    result = load_all(conn, landing)["dtsen/dtsen_20251201.csv"]
    assert result["rows_loaded"] == 1
    assert result["warnings"] == ["dtsen/dtsen_20251201.csv: line 1, column 11: unknown column 'keterangan' ignored"]
    manifest_warnings = conn.execute("select warnings from meta.load_manifest").fetchone()[0]
    assert manifest_warnings == result["warnings"]


def test_missing_required_column_rejects_the_file_and_loads_nothing(conn, landing):
    header = DTSEN_HEADER.replace("nik,", "")
    write(landing, "dtsen", "dtsen_20251201.csv", [header, DTSEN_ROW.replace(GOOD_NIK + ",", "")])
    message = load_all(conn, landing)["dtsen/dtsen_20251201.csv"]
    assert message == "dtsen/dtsen_20251201.csv: line 1: required column 'nik' missing"
    assert conn.execute("select count(*) from raw.dtsen").fetchone()[0] == 0
    assert conn.execute("select status, error from meta.load_manifest").fetchone() == ("REJECTED", message)


@pytest.mark.parametrize("bad_name", ["dtsen_2025-12-01.csv", "dtsen_20251301.csv"])
def test_file_name_without_a_valid_date_is_rejected(conn, landing, bad_name):
    write(landing, "dtsen", bad_name, [DTSEN_HEADER, DTSEN_ROW])
    assert "file name does not match" in load_all(conn, landing)[f"dtsen/{bad_name}"]


def test_ragged_line_rejects_the_file_naming_the_line(conn, landing):
    write(landing, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER, DTSEN_ROW, DTSEN_ROW + ",extra,fields"])
    message = load_all(conn, landing)["dtsen/dtsen_20251201.csv"]
    assert message.startswith("dtsen/dtsen_20251201.csv: line 3")
    assert "extra data" in message
    assert conn.execute("select count(*) from raw.dtsen").fetchone()[0] == 0
    assert conn.execute("select count(*) from meta.quarantine").fetchone()[0] == 0


@pytest.mark.parametrize("nik", ["'" + GOOD_NIK, "3275 0141 0190 0001", f" {GOOD_NIK} "])
def test_nik_written_by_excel_is_normalised_not_quarantined(conn, landing, nik):
    write(landing, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER, DTSEN_ROW.replace(GOOD_NIK, f'"{nik}"', 1)])
    assert load_all(conn, landing)["dtsen/dtsen_20251201.csv"]["rows_quarantined"] == 0
    assert conn.execute("select meta.normalize_id(nik) from raw.dtsen").fetchone()[0] == GOOD_NIK


@pytest.mark.parametrize(
    "nik",
    [
        "327501410190001",  # 15 digits
        "32750141019000A1",  # a letter
        "0075014101900001",  # province 00
        "9975014101900001",  # province 99
        "3275013201900001",  # day 32
        "3275017201900001",  # day 72
        "3275014113900001",  # month 13
        "3275014101900000",  # serial 0000
    ],
)
def test_bad_nik_is_quarantined_with_line_and_raw_text(conn, landing, nik):
    write(landing, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER, DTSEN_ROW, DTSEN_ROW.replace(GOOD_NIK, nik)])
    result = load_all(conn, landing)["dtsen/dtsen_20251201.csv"]
    assert (result["rows_loaded"], result["rows_quarantined"]) == (1, 1)
    assert quarantined(conn) == [(3, "BAD_NIK", "nik", DTSEN_ROW.replace(GOOD_NIK, nik))]


def test_bad_values_get_their_reason_and_column(conn, landing):
    rows = [
        DTSEN_ROW.replace("01-01-1990", "31-02-1990"),  # no such day
        DTSEN_ROW.replace(",3,PEMULUNG", ",11,PEMULUNG"),  # desil out of 1..10
        DTSEN_ROW.replace("3275011001", "327501100"),  # kelurahan code of 9 digits
        DTSEN_ROW.replace(",P,", ",W,"),  # sex not L/P
        DTSEN_ROW.replace("K1,", ",", 1),  # required id_keluarga empty
        DTSEN_ROW.replace(",3,PEMULUNG", ",,PEMULUNG"),  # empty desil is allowed
    ]
    write(landing, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER, *rows])
    load_all(conn, landing)
    assert [(line, reason, column) for line, reason, column, _ in quarantined(conn)] == [
        (2, "BAD_DATE", "tanggal_lahir"),
        (3, "BAD_INTEGER", "desil"),
        (4, "BAD_DIGITS", "kode_wilayah"),
        (5, "BAD_ENUM", "jenis_kelamin"),
        (6, "MISSING_VALUE", "id_keluarga"),
    ]


def test_duplicate_nik_in_a_dukcapil_file_quarantines_both_rows(conn, landing):
    other = "3275010101850002"
    write(
        landing,
        "dukcapil",
        "dukcapil_20251130.csv",
        [
            DUKCAPIL_HEADER,
            f"{GOOD_NIK},Siti,1990-01-01,3275011001,HIDUP,",
            f"{other},Budi,1985-01-01,3275011001,HIDUP,",
            f"'{GOOD_NIK},Siti A,1990-01-01,3275011002,HIDUP,",
            f"{other[:4]}999999990001,Dead,1950-01-01,3275011001,MATI,",  # MATI needs a date
        ],
    )
    result = load_all(conn, landing)["dukcapil/dukcapil_20251130.csv"]
    assert result["quarantined_by_reason"] == {"BAD_NIK": 1, "DUPLICATE_NIK": 2}
    write(
        landing, "dukcapil", "dukcapil_20251231.csv", [DUKCAPIL_HEADER, f"{GOOD_NIK},Siti,1990-01-01,3275011001,MATI,"]
    )
    result = load_all(conn, landing)["dukcapil/dukcapil_20251231.csv"]
    assert result["quarantined_by_reason"] == {"MISSING_VALUE": 1}
    assert quarantined(conn)[-1][1:3] == ("MISSING_VALUE", "tanggal_kematian")


def test_payment_lines_amount_total_and_period_checks_with_control_totals(conn, landing):
    line = f"A{{}},2026-01,KPJ1,{GOOD_NIK},Siti,1000000,10000,6800,16800,2026-01-05,REF,PEMBAYARAN"
    write(
        landing,
        "bpjs_iuran",
        "bpjs_iuran_202601.csv",
        [
            PAYMENT_HEADER,
            line.format(1),
            line.format(2).replace(",16800,", ',"16.800",'),  # thousand separator
            line.format(3).replace(",16800,", ',"16,800",'),  # thousand separator
            line.format(4).replace(",16800,", ",16000,"),  # total != jkk + jkm
            line.format(5).replace("2026-01,", "2026-02,", 1),  # another period
            line.format(6).replace("PEMBAYARAN", "RESTITUSI"),
        ],
    )
    result = load_all(conn, landing)["bpjs_iuran/bpjs_iuran_202601.csv"]
    assert result["quarantined_by_reason"] == {"AMOUNT_FORMAT": 2, "PERIOD_MISMATCH": 1, "TOTAL_MISMATCH": 1}
    totals = conn.execute("""select rows_read, rows_loaded, rows_quarantined, amount_total_idr, amount_loaded_idr,
                                    amount_quarantined_idr, amount_unparsed_rows from meta.load_manifest""").fetchone()
    assert totals == (6, 2, 4, 16800 * 3 + 16000, 16800 * 2, 16800 + 16000, 2)
    raw_amounts = [r[3] for r in quarantined(conn) if r[1] == "AMOUNT_FORMAT"]
    assert raw_amounts == [
        line.format(2).replace(",16800,", ",16.800,"),
        line.format(3).replace(",16800,", ',"16,800",'),
    ]


def test_rerun_skips_files_already_loaded(conn, landing):
    write(landing, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER, DTSEN_ROW])
    assert len(load_all(conn, landing)) == 1
    new, skipped = split_new_and_loaded(conn, scan(landing))
    assert (new, [f.name for f in skipped]) == ([], ["dtsen/dtsen_20251201.csv"])
    assert conn.execute("select count(*) from raw.dtsen").fetchone()[0] == 1


def test_redelivery_of_a_snapshot_replaces_its_rows_and_the_manifest_keeps_both(conn, landing):
    write(landing, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER, DTSEN_ROW])
    first = load_all(conn, landing)["dtsen/dtsen_20251201.csv"]["batch_id"]
    write(landing, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER, DTSEN_ROW, DTSEN_ROW.replace("K1", "K2")])
    second = load_all(conn, landing)["dtsen/dtsen_20251201.csv"]
    assert second["replaced_batches"] == [first]
    assert conn.execute("select batch_id, count(*) from raw.dtsen group by 1").fetchall() == [(second["batch_id"], 2)]
    assert conn.execute("select batch_id, status, replaced_by from meta.load_manifest order by 1").fetchall() == [
        (first, "REPLACED", second["batch_id"]),
        (second["batch_id"], "LOADED", None),
    ]


def test_a_killed_load_leaves_nothing_behind(fresh_url, landing):
    """Kill the loading process in the middle of its COPY: no batch, no rows, no manifest row."""
    rows = [DTSEN_HEADER] + [DTSEN_ROW] * 400_000
    write(landing, "dtsen", "dtsen_20251201.csv", rows)
    script = (
        "import sys; from pathlib import Path; import psycopg;"
        "from rentan.ingest.landing import scan; from rentan.ingest.loader import load_file;"
        f"conn = psycopg.connect({fresh_url!r}, autocommit=True);"
        f"load_file(conn, scan(Path({str(landing)!r}))[0])"
    )
    loader = subprocess.Popen([sys.executable, "-c", script])
    with psycopg.connect(fresh_url, autocommit=True) as watcher:
        deadline = time.time() + 60
        while time.time() < deadline and loader.poll() is None:
            copying = watcher.execute("select count(*) from pg_stat_progress_copy").fetchone()[0]
            if copying:
                loader.kill()
                break
            time.sleep(0.01)
        loader.wait()
        assert loader.returncode == -9, "the load finished before it could be killed; make the file bigger"
        time.sleep(0.5)  # let the server notice the dropped connection and roll back
        assert watcher.execute("select count(*) from raw.dtsen").fetchone()[0] == 0
        assert watcher.execute("select count(*) from meta.load_manifest").fetchone()[0] == 0
        partitions = watcher.execute(
            "select count(*) from pg_tables where schemaname = 'raw' and tablename like 'dtsen_b%'"
        ).fetchone()[0]
        assert partitions == 0


def test_every_contract_declares_known_kinds_and_required_columns():
    from rentan.ingest.contracts import KIND_CHECKS

    for contract in CONTRACTS.values():
        assert contract.required, contract.feed
        for column in contract.columns:
            assert column.kind in KIND_CHECKS
            assert (column.kind == "enum") == bool(column.values)
