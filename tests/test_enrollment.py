"""Enrollment (program-rules.md section 5) on a small hand-written landing area, through the loader and dbt.

Ten eligible single-person households, ranked by date of birth (all desil 1), quota 5:
P1-P5 are selected, P6-P10 wait. Two BPJS checks (December, before selection, and a
partial one in March), a civil registry at selection and a later one with two deaths and a
move, and payment files for March and April.
"""

from __future__ import annotations

import pytest
from rentan import dbt_runner
from rentan.parameters import load_parameters

from tests.helpers_dbt import load_landing, migrated_database, query, query_one

BEKASI, JAKARTA = "3275011001", "3171011001"
PREMIUM = 16800
PAYMENT_HEADER = ("kode_iuran,periode,kpj,nik,nama,penghasilan,iuran_jkk,iuran_jkm,total_iuran,tgl_bayar,"
                  "no_referensi,jenis_transaksi")


def nik(i: int) -> str:
    """P1..P10: born 15 January 1970..1979 in Kota Bekasi (the NIK carries the birth date)."""
    return f"32750115017{i - 1}0001"


def born(i: int) -> str:
    return f"197{i - 1}-01-15"


def write(path, header: str, rows: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n")


def write_people(landing, people: range, dukcapil_latest: dict[int, tuple[str, str, str]]) -> None:
    """DTSEN and the selection-time Dukcapil for `people`; a later Dukcapil with the given changes.

    dukcapil_latest: person -> (kode_wilayah, status_hidup, tanggal_kematian).
    """
    write(landing / "dtsen" / "dtsen_20251201.csv", "id_keluarga,nik,nama,jenis_kelamin,tanggal_lahir,"
          "kode_wilayah,desil,pekerjaan_utama",
          [f"K{i},{nik(i)},ORANG {i},L,15-01-197{i - 1},{BEKASI},1,PEMULUNG" for i in people])
    header = "nik,nama_lengkap,tanggal_lahir,kode_wilayah,status_hidup,tanggal_kematian"
    write(landing / "dukcapil" / "dukcapil_20251130.csv", header,
          [f"{nik(i)},ORANG NOMOR {i},{born(i)},{BEKASI},HIDUP," for i in people])
    latest = [f"{nik(i)},ORANG NOMOR {i},{born(i)},{','.join(dukcapil_latest.get(i, (BEKASI, 'HIDUP', '')))}"
              for i in people]
    write(landing / "dukcapil" / "dukcapil_20261031.csv", header, latest)


def write_memberships(landing, snapshot: str, rows: list[tuple[int, str, str, str]]) -> None:
    """rows: (person, kpj, sumber_iuran, tgl_kepesertaan), all AKTIF."""
    write(landing / "bpjs_kepesertaan" / f"bpjs_kepesertaan_{snapshot}.csv",
          "nik,kpj,sumber_iuran,status_kepesertaan,tgl_kepesertaan",
          [f"{nik(i)},{kpj},{payer},AKTIF,{start}" for i, kpj, payer, start in rows])


def write_payments(landing, period: str, rows: list[tuple[int, str, str]]) -> None:
    """rows: (person, kpj, tgl_bayar), one premium each."""
    write(landing / "bpjs_iuran" / f"bpjs_iuran_{period.replace('-', '')}.csv", PAYMENT_HEADER,
          [f"I{period}{n:03d},{period},{kpj},{nik(i)},ORANG {i},1000000,10000,6800,{PREMIUM},{paid},REF{n},PEMBAYARAN"
           for n, (i, kpj, paid) in enumerate(rows, 1)])


@pytest.fixture(scope="module")
def warehouse(server_url, tmp_path_factory):
    landing = tmp_path_factory.mktemp("enrollment_landing")
    write_people(landing, range(1, 11), {
        4: (BEKASI, "MATI", "2026-03-31"),  # a participant dies on the last day of March
        5: (BEKASI, "MATI", "2026-02-10"),  # selected, never registered, dies
        6: (JAKARTA, "HIDUP", ""),  # wait-listed, moved out of Kota Bekasi
    })
    write_memberships(landing, "20251210", [
        (2, "K2", "PEMKOT_BEKASI", "2025-01-10"),  # an earlier programme cohort: not excluded
        (3, "K3OLD", "PEMKOT_BEKASI", "2025-12-05"),
        (3, "K3NEW", "PEMKOT_BEKASI", "2025-12-06"),
    ])
    write_memberships(landing, "20260331", [  # a partial check: P2 was not asked about
        (1, "K1B", "PEMKOT_BEKASI", "2026-03-05"),
        (1, "K1A", "PEMKOT_BEKASI", "2026-02-17"),
        (3, "K3NEW", "PEMKOT_BEKASI", "2025-12-06"),  # K3OLD was cancelled by BPJS
        (4, "K4", "PEMKOT_BEKASI", "2026-01-01"),
        (8, "K8", "PEMBERI_KERJA", "2026-02-01"),  # wait-listed, now covered by an employer
    ])
    write_payments(landing, "2026-03", [(1, "K1A", "2026-03-10"), (2, "K2", "2026-03-10"),
                                        (3, "K3NEW", "2026-03-10"), (4, "K4", "2026-03-10"),
                                        (5, "", "2026-03-10")])
    write_payments(landing, "2026-04", [(1, "K1A", "2026-04-10"), (2, "K2", "2026-04-10"),
                                        (3, "K3NEW", "2026-04-20"), (4, "K4", "2026-04-10")])
    params = load_parameters({"quota": 5})
    with migrated_database(server_url) as url:
        load_landing(url, landing)
        run = dbt_runner.build(url, params, unit_tests=False, target_path=tmp_path_factory.mktemp("dbt_target"))
        assert run.success, run.summary()
        yield url


def enrollment(url: str) -> dict[int, tuple]:
    rows = query(url, """select nik, kpj, status, to_char(enrolled_month, 'YYYY-MM'), to_char(exit_month, 'YYYY-MM'),
                                exit_reason, died_on is not null from ops.enrollment""")
    by_nik = {nik(i): i for i in range(1, 11)}
    return {by_nik[row[0]]: row[1:] for row in rows}


def test_selected_people_enroll_with_their_programme_kpj(warehouse):
    assert enrollment(warehouse) == {
        1: ("K1A", "ACTIVE", "2026-02", None, None, False),  # registered mid-February: enrolled February
        2: ("K2", "ACTIVE", "2026-01", None, None, False),  # earlier cohort, absent from the partial check
        3: ("K3NEW", "ACTIVE", "2026-01", None, None, False),  # the later check replaced the earlier picture
        4: ("K4", "EXITED", "2026-01", "2026-03", "DECEASED", True),  # covered through March
        5: (None, "SELECTED_NOT_REGISTERED", None, None, None, True),  # never registered, died
    }


def test_several_programme_kpjs_are_listed_for_checking(warehouse):
    rows = query(warehouse, "select nik, kpj_count, chosen_kpj, other_kpjs, is_selected from ops.kpj_check_list")
    assert rows == [(nik(1), 2, "K1A", "K1B", True)]


def test_a_death_on_the_last_day_of_a_month_is_covered_that_month_only(warehouse):
    rows = query(warehouse, """select to_char(period, 'YYYY-MM'), nik, expected_idr, category from ops.reconciliation
                               where nik in (%s, %s) order by 1, 2""", (nik(4), nik(5)))
    assert rows == [("2026-03", nik(4), PREMIUM, "MATCHED"), ("2026-03", nik(5), 0, "PAID_AFTER_DEATH"),
                    ("2026-04", nik(4), 0, "PAID_AFTER_DEATH")]


def test_reconciliation_of_the_other_participants(warehouse):
    rows = query(warehouse, """select to_char(period, 'YYYY-MM'), nik, category from ops.reconciliation
                               where nik in (%s, %s, %s) order by 1, 2""", (nik(1), nik(2), nik(3)))
    assert rows == [("2026-03", nik(1), "MATCHED"), ("2026-03", nik(2), "MATCHED"), ("2026-03", nik(3), "MATCHED"),
                    ("2026-04", nik(1), "MATCHED"), ("2026-04", nik(2), "MATCHED"), ("2026-04", nik(3), "LATE")]


def test_replacements_are_the_next_still_eligible_ranks_within_free_slots(warehouse):
    slots = query_one(warehouse, "select * from marts.replacement_capacity")
    assert (slots["capacity"], slots["active_participants"], slots["not_registered"], slots["exited"]) == (5, 3, 1, 1)
    assert slots["free_slots"] == 2 and slots["replacement_limit"] == "FREE_SLOTS"
    assert (str(slots["latest_payment_period"]), str(slots["replacement_start_month"]),
            slots["remaining_months"]) == ("2026-04-01", "2026-05-01", 8)
    assert slots["cost_per_replacement_idr"] == 8 * PREMIUM
    listed = query(warehouse, "select replacement_order, waitlist_rank, nik from ops.replacement_list order by 1")
    # P6 moved to Jakarta, P8 is covered by an employer now: skipped; two free slots.
    assert listed == [(1, 2, nik(7)), (2, 4, nik(9))]
    rechecked = dict(query(warehouse, "select nik, recheck_reasons from intermediate.int_enrollment_waitlist_recheck"))
    assert rechecked == {nik(6): "NOT_BEKASI_RESIDENT", nik(7): "", nik(8): "ALREADY_COVERED", nik(9): "",
                         nik(10): ""}


def test_enrollment_lists_names_and_kecamatan_for_the_finance_office(warehouse):
    row = query_one(warehouse, "select nama, nama_kecamatan, priority_rank from ops.enrollment where nik = %s",
                    (nik(1),))
    assert row == {"nama": "ORANG NOMOR 1", "nama_kecamatan": "Bekasi Timur", "priority_rank": 1}
