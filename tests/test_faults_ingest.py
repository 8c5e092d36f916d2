"""The loader's faults of issues 11 and 12, each reproduced against a real PostgreSQL.

Whitespace of every kind, household size over every delivered row, non-positive and
out-of-range amounts, the real line of a bad byte or an unterminated quote, complete
files only, and re-deliveries that can be undone.
"""

from __future__ import annotations

import hashlib
import os
import time

import pytest

from rentan.ingest import landing as landing_module
from rentan.ingest.landing import scan, split_new_and_loaded
from rentan.parameters import load_parameters
from rentan.transform import dbt_runner
from tests.factories import (
    DTSEN_HEADER,
    DTSEN_ROW,
    GOOD_NIK,
    PAYMENT_HEADER,
    load_all,
    quarantined,
    write,
)
from tests.helpers_dbt import load_landing, migrated_database, query

NBSP = "\u00a0"
PAYMENT = f"A{{}},2026-01,KPJ1,{GOOD_NIK},Siti,1000000,10000,6800,16800,2026-01-05,REF,PEMBAYARAN"


# ---------------------------------------------------------------- 1. whitespace of every kind


@pytest.mark.parametrize(
    "nik",
    [
        f"{GOOD_NIK}{NBSP}",
        f"{NBSP}{GOOD_NIK}",
        f"3275{NBSP}0141{NBSP}0190{NBSP}0001",
        f"\t{GOOD_NIK}\t",
        f"'{GOOD_NIK}{NBSP}",
    ],
)
def test_nik_and_kk_with_tabs_or_non_breaking_spaces_are_normalised_not_quarantined(conn, landing, nik):
    kk = "3275010101900001"
    row = DTSEN_ROW.replace(GOOD_NIK, f'"{nik}"', 1).replace(kk, kk[:8] + NBSP + kk[8:] + "\t")
    write(landing, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER, row])
    assert load_all(conn, landing)["dtsen/dtsen_20251201.csv"]["rows_quarantined"] == 0
    assert conn.execute("select meta.normalize_id(nik), meta.normalize_id(no_kk) from raw.dtsen").fetchone() == (
        GOOD_NIK,
        kk,
    )


def test_dates_decile_and_codes_padded_with_tabs_or_non_breaking_spaces_pass_their_checks(conn, landing):
    row = f"K1{NBSP},{GOOD_NIK},3275010101900001,Siti,ISTRI,P\t,{NBSP}01-01-1990{NBSP},3275011001\t,3{NBSP},PEMULUNG"
    write(landing, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER, row])
    assert load_all(conn, landing)["dtsen/dtsen_20251201.csv"]["rows_quarantined"] == 0
    assert conn.execute("""select meta.normalize_text(id_keluarga), meta.parse_date_dmy(tanggal_lahir)::text,
                                  meta.parse_integer(desil), meta.normalize_label(jenis_kelamin)
                           from raw.dtsen""").fetchone() == ("K1", "1990-01-01", 3, "P")


@pytest.mark.parametrize(
    ("label", "normalised"),
    [
        ("PEMULUNG\t", "PEMULUNG"),
        (f"PEMULUNG{NBSP}", "PEMULUNG"),
        (f"{NBSP}pedagang{NBSP}{NBSP}kaki\tlima \r", "PEDAGANG KAKI LIMA"),
        (f"\t{NBSP} ", None),
    ],
)
def test_occupation_label_is_upper_cased_trimmed_and_whitespace_collapsed(conn, label, normalised):
    assert conn.execute("select meta.normalize_label(%s)", (label,)).fetchone()[0] == normalised


# ---------------------------------------------------------------- 1 and 2 through dbt: who is eligible, in what order

BEKASI = "3275011001"
DUKCAPIL_HEADER = "nik,nama_lengkap,jenis_kelamin,tanggal_lahir,kode_wilayah,status_hidup,tanggal_kematian"
KEPESERTAAN_HEADER = "nik,kpj,nama,segmen,sumber_iuran,status_kepesertaan,tgl_kepesertaan,tgl_nonaktif"
P1, CHILD, P2, P3, P4 = (
    "3275010101800001",
    "3275010505100003",
    "3275010202700001",
    "3275010303750001",
    "3275014404760001",
)
DTSEN_ROWS = [
    # K1: a head and a child whose mistyped birth date quarantines the row: still a family of two
    f"K1,{P1},3275010101000001,Ahmad,KEPALA KELUARGA,L,01-01-1980,{BEKASI},2,PEMULUNG",
    f"K1,{CHILD},3275010101000001,Budi,ANAK,L,31-02-2010,{BEKASI},2,PELAJAR/MAHASISWA",
    # K2: a single older head, same desil: ranked first only if K1 shrank to one
    f"K2,{P2},3275010101000002,Cecep,KEPALA KELUARGA,L,02-02-1970,{BEKASI},2,PEMULUNG",
    # a tab after the occupation
    f"K3,{P3},3275010101000003,Dedi,KEPALA KELUARGA,L,03-03-1975,{BEKASI},3,PEMULUNG\t",
    # non-breaking spaces in the NIK (spreadsheet export) and around the occupation
    f'K4,"3275{NBSP}0144{NBSP}0476{NBSP}0001",3275010101000004,Eka,KEPALA KELUARGA,P,04-04-1976,{BEKASI},3,'
    f'"{NBSP}pedagang{NBSP}{NBSP}kaki\tlima{NBSP}"',
]
DUKCAPIL_ROWS = [
    f"{nik},X,LAKI-LAKI,{born},{BEKASI},HIDUP,"
    for nik, born in (
        (P1, "1980-01-01"),
        (CHILD, "2010-05-05"),
        (P2, "1970-02-02"),
        (P3, "1975-03-03"),
        (P4, "1976-04-04"),
    )
]


@pytest.fixture(scope="module")
def eligibility(server_url, tmp_path_factory):
    """ops.eligibility of a small landing area built once: {nik: (reasons, priority_rank, household_size)}."""
    area = tmp_path_factory.mktemp("faults_landing")
    for feed in ("dtsen", "dukcapil", "bpjs_kepesertaan"):
        (area / feed).mkdir()
    write(area, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER, *DTSEN_ROWS])
    write(area, "dukcapil", "dukcapil_20251130.csv", [DUKCAPIL_HEADER, *DUKCAPIL_ROWS])
    write(
        area,
        "bpjs_kepesertaan",
        "bpjs_kepesertaan_20251210.csv",
        [KEPESERTAAN_HEADER, "3275019909900001,KPJ9,Z,BPU,MANDIRI,AKTIF,2024-01-01,"],
    )
    with migrated_database(server_url, prefix="t_faults") as url:
        results = load_landing(url, area)
        assert {r["file"]: r["rows_quarantined"] for r in results}["dtsen/dtsen_20251201.csv"] == 1
        run = dbt_runner.run_dbt(
            [
                "build",
                "--select",
                "+eligibility",
                "--indirect-selection",
                "cautious",
                "--exclude-resource-type",
                "unit_test",
            ],
            url,
            load_parameters(),
        )
        assert run.success, run.summary()
        yield {
            nik: (reasons, rank, size)
            for nik, reasons, rank, size in query(
                url, "select nik, reasons, priority_rank, household_size from ops.eligibility"
            )
        }


def test_occupation_with_a_tab_or_non_breaking_spaces_is_informal_work(eligibility):
    assert eligibility[P3][0] == "" and eligibility[P4][0] == ""


def test_household_size_counts_rows_quarantined_for_another_column_and_the_ranking_follows(eligibility):
    assert eligibility[P1] == ("", 1, 2)  # the child's bad birth date does not shrink the family
    assert eligibility[P2] == ("", 2, 1)
    assert [eligibility[nik][1] for nik in (P3, P4)] == [3, 4]
    assert CHILD not in eligibility  # quarantined: counted in the family, never a candidate


# ---------------------------------------------------------------- 3 and 4. amounts


@pytest.mark.parametrize("kind", ["PEMBAYARAN", "RESTITUSI"])
def test_negative_or_zero_amount_is_quarantined_as_non_positive(conn, landing, kind):
    lines = [
        PAYMENT.format(1).replace("PEMBAYARAN", kind),
        PAYMENT.format(2).replace(",10000,6800,16800,", ",-10000,-6800,-16800,").replace("PEMBAYARAN", kind),
        PAYMENT.format(3).replace(",10000,6800,16800,", ",0,0,0,").replace("PEMBAYARAN", kind),
    ]
    write(landing, "bpjs_iuran", "bpjs_iuran_202601.csv", [PAYMENT_HEADER, *lines])
    result = load_all(conn, landing)["bpjs_iuran/bpjs_iuran_202601.csv"]
    assert result["quarantined_by_reason"] == {"NON_POSITIVE_AMOUNT": 2}
    assert [(line, reason, column) for line, reason, column, _ in quarantined(conn)] == [
        (3, "NON_POSITIVE_AMOUNT", "total_iuran"),
        (4, "NON_POSITIVE_AMOUNT", "total_iuran"),
    ]
    totals = conn.execute(
        "select amount_total_idr, amount_loaded_idr, amount_quarantined_idr from meta.load_manifest"
    ).fetchone()
    assert totals == (0, 16800, -16800)


@pytest.mark.parametrize("digits", [18, 19, 25])
def test_an_amount_too_large_is_quarantined_naming_its_line_and_column(conn, landing, digits):
    huge = "9" * digits
    lines = [PAYMENT.format(n) for n in range(1, 4)]
    lines.insert(1, PAYMENT.format(9).replace(",10000,6800,16800,", f",{huge},6800,{huge},"))
    lines += [PAYMENT.format(8).replace(",16800,", f",{huge},")] * 12  # their sum overflows a bigint
    write(landing, "bpjs_iuran", "bpjs_iuran_202601.csv", [PAYMENT_HEADER, *lines])
    result = load_all(conn, landing)["bpjs_iuran/bpjs_iuran_202601.csv"]
    assert isinstance(result, dict), result
    assert (result["rows_loaded"], result["rows_quarantined"]) == (3, 13)
    line_3 = quarantined(conn)[0]
    assert line_3[:3] == (3, "AMOUNT_OUT_OF_RANGE", "iuran_jkk")
    assert huge in line_3[3]


# ---------------------------------------------------------------- 5. where a file cannot be read


def test_a_byte_that_is_not_utf8_is_reported_at_its_own_line_and_column(conn, landing):
    write(landing, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER, DTSEN_ROW, DTSEN_ROW, DTSEN_ROW])
    path = landing / "dtsen" / "dtsen_20251201.csv"
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b"Siti", b"S\xffiti")
    path.write_bytes(b"\n".join(lines))
    message = load_all(conn, landing)["dtsen/dtsen_20251201.csv"]
    assert message.startswith("dtsen/dtsen_20251201.csv: line 3, column nama: "), message
    assert "0xff" in message and "UTF-8" in message


def test_an_unterminated_quote_is_reported_at_the_line_where_it_starts(conn, landing):
    rows = [DTSEN_HEADER, DTSEN_ROW, DTSEN_ROW.replace("Siti Aminah", '"Siti Aminah'), DTSEN_ROW, DTSEN_ROW]
    write(landing, "dtsen", "dtsen_20251201.csv", rows)
    message = load_all(conn, landing)["dtsen/dtsen_20251201.csv"]
    assert message.startswith("dtsen/dtsen_20251201.csv: line 3, column nama: "), message
    assert "quote" in message
    assert conn.execute("select count(*) from raw.dtsen").fetchone()[0] == 0


# ---------------------------------------------------------------- 6. complete files only


def test_a_file_whose_last_record_is_cut_short_is_rejected_with_its_line(conn, landing):
    write(landing, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER, DTSEN_ROW, DTSEN_ROW])
    path = landing / "dtsen" / "dtsen_20251201.csv"
    path.write_bytes(path.read_bytes()[:-5])  # a copy in progress: cut inside the last field
    message = load_all(conn, landing)["dtsen/dtsen_20251201.csv"]
    assert message.startswith("dtsen/dtsen_20251201.csv: line 3: "), message
    assert "cut short" in message
    assert conn.execute("select count(*) from raw.dtsen").fetchone()[0] == 0


def _age(path, seconds: float) -> None:
    past = time.time() - seconds
    os.utime(path, (past, past))


def test_a_file_still_growing_is_left_for_a_later_run(landing, monkeypatch):
    write(landing, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER, DTSEN_ROW])
    write(landing, "dtsen", "dtsen_20250901.csv", [DTSEN_HEADER, DTSEN_ROW])
    _age(landing / "dtsen" / "dtsen_20250901.csv", 3600)
    growing = landing / "dtsen" / "dtsen_20251201.csv"

    def copy_goes_on(seconds):  # the provider's copy writes while the scan waits
        with open(growing, "a") as f:
            f.write(DTSEN_ROW + "\n")

    monkeypatch.setattr(landing_module.time, "sleep", copy_goes_on)
    assert [f.name for f in scan(landing, settle_seconds=30)] == ["dtsen/dtsen_20250901.csv"]
    monkeypatch.setattr(landing_module.time, "sleep", lambda seconds: None)
    assert [f.name for f in scan(landing, settle_seconds=30)] == [
        "dtsen/dtsen_20250901.csv",
        "dtsen/dtsen_20251201.csv",
    ]


def test_files_that_settled_before_the_scan_are_taken_without_waiting(landing, monkeypatch):
    write(landing, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER, DTSEN_ROW])
    _age(landing / "dtsen" / "dtsen_20251201.csv", 60)

    def no_wait(seconds):
        raise AssertionError("waited for a file that had settled")

    monkeypatch.setattr(landing_module.time, "sleep", no_wait)
    assert [f.name for f in scan(landing, settle_seconds=30)] == ["dtsen/dtsen_20251201.csv"]


def test_a_checksum_sidecar_decides_when_a_file_is_complete(landing, monkeypatch):
    write(landing, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER, DTSEN_ROW])
    path = landing / "dtsen" / "dtsen_20251201.csv"
    monkeypatch.setattr(landing_module.time, "sleep", lambda seconds: pytest.fail("a sidecar needs no wait"))
    (landing / "dtsen" / "dtsen_20251201.csv.sha256").write_text("0" * 64 + "  dtsen_20251201.csv\n")
    assert scan(landing, settle_seconds=30) == []  # not (yet) the file the provider announced
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    (landing / "dtsen" / "dtsen_20251201.csv.sha256").write_text(digest + "  dtsen_20251201.csv\n")
    assert [f.name for f in scan(landing, settle_seconds=30)] == ["dtsen/dtsen_20251201.csv"]


# ---------------------------------------------------------------- 7. re-deliveries


def test_the_latest_delivery_of_a_snapshot_is_in_force_even_if_it_was_loaded_before(conn, landing):
    original = [DTSEN_HEADER, DTSEN_ROW]
    corrected = [DTSEN_HEADER, DTSEN_ROW, DTSEN_ROW.replace("K1", "K2")]
    write(landing, "dtsen", "dtsen_20251201.csv", original)
    first = load_all(conn, landing)["dtsen/dtsen_20251201.csv"]["batch_id"]
    write(landing, "dtsen", "dtsen_20251201.csv", corrected)
    second = load_all(conn, landing)["dtsen/dtsen_20251201.csv"]["batch_id"]
    write(landing, "dtsen", "dtsen_20251201.csv", original)  # the provider takes the correction back
    third = load_all(conn, landing)["dtsen/dtsen_20251201.csv"]
    assert third["replaced_batches"] == [second]
    assert conn.execute("select batch_id, count(*) from raw.dtsen group by 1").fetchall() == [(third["batch_id"], 1)]
    history = conn.execute("select batch_id, status, replaced_by, checksum from meta.load_manifest order by 1")
    rows = history.fetchall()
    assert [r[:3] for r in rows] == [
        (first, "REPLACED", second),
        (second, "REPLACED", third["batch_id"]),
        (third["batch_id"], "LOADED", None),
    ]
    assert rows[0][3] == rows[2][3] != rows[1][3]
    new, skipped = split_new_and_loaded(conn, scan(landing))
    assert (new, [f.name for f in skipped]) == ([], ["dtsen/dtsen_20251201.csv"])


def test_the_same_content_under_another_snapshot_date_is_a_new_snapshot(conn, landing):
    write(landing, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER, DTSEN_ROW])
    assert list(load_all(conn, landing)) == ["dtsen/dtsen_20251201.csv"]
    write(landing, "dtsen", "dtsen_20260301.csv", [DTSEN_HEADER, DTSEN_ROW])  # next quarter, nobody changed
    assert list(load_all(conn, landing)) == ["dtsen/dtsen_20260301.csv"]
    assert conn.execute("select snapshot_date::text, status from meta.load_manifest order by 1").fetchall() == [
        ("2025-12-01", "LOADED"),
        ("2026-03-01", "LOADED"),
    ]


def test_of_two_files_for_one_snapshot_date_only_the_newer_is_taken(conn, landing):
    write(landing, "dtsen", "DTSEN_20251201.csv", [DTSEN_HEADER, DTSEN_ROW])
    write(landing, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER, DTSEN_ROW, DTSEN_ROW.replace("K1", "K2")])
    _age(landing / "dtsen" / "DTSEN_20251201.csv", 7200)
    _age(landing / "dtsen" / "dtsen_20251201.csv", 3600)
    assert list(load_all(conn, landing)) == ["dtsen/dtsen_20251201.csv"]
    assert list(load_all(conn, landing)) == []  # no flip-flop between the two on later runs


def test_a_settle_time_that_is_not_a_number_of_seconds_is_refused_in_one_sentence(landing, monkeypatch):
    monkeypatch.setenv("RENTAN_LANDING_SETTLE_SECONDS", "soon")
    with pytest.raises(ValueError, match="^RENTAN_LANDING_SETTLE_SECONDS must be a number of seconds from 0 to 3600"):
        scan(landing)
