"""Enrollment, exits and replacements (program-rules.md section 5) on a small hand-written landing area.

Twelve eligible single-person households, ranked by date of birth (all desil 1), quota 5:
P1-P5 are selected, P6-P12 wait (waiting-list ranks 1-7). BPJS checks in December (before
selection), March and April; a civil registry at selection and a later one with deaths and a
move; a later DTSEN; payment files for March and April.

The lifecycle, published version by version (each call is a decision the ledger keeps): P4
(registered) dies in March and frees one slot from April; P5 is selected but never registered and
keeps their slot (1 death + 1 unregistered = exactly 1 replacement). P6 moved out of Kota Bekasi,
P7's latest DTSEN desil is 8, P8 is now covered by an employer: all three are skipped. Version 1
calls P9 for the April slot (BPJS registered them in March, before their slot: enrolled April; paid
for March: NOT_A_PARTICIPANT, for April: MATCHED). Version 2: the civil registry records P9's death
in June, freeing a slot from July: P10 is called. Version 3: P10, never registered, died in
September (EXITED without a KPJ), freeing a slot from October: P11 is called. P12 has a programme KPJ
and is paid but was never called: NOT_A_PARTICIPANT.
"""

from __future__ import annotations

import pytest

from rentan.validate.data_docs import DATA_DOCS_ENV
from tests.helpers_dbt import load_landing, migrated_database, publish_run, query, query_one

BEKASI, JAKARTA = "3275011001", "3171011001"
PREMIUM = 16800
PAYMENT_HEADER = (
    "kode_iuran,periode,kpj,nik,nama,penghasilan,iuran_jkk,iuran_jkm,total_iuran,tgl_bayar,no_referensi,jenis_transaksi"
)


def nik(i: int) -> str:
    """P1, P2, ...: born 15 January 1970, 1971, ... in Kota Bekasi (the NIK carries the birth date)."""
    return f"3275011501{69 + i:02d}0001"


def born(i: int) -> str:
    return f"{1969 + i}-01-15"


def write(path, header: str, rows: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n")


def write_people(
    landing, people: range, dukcapil_latest: dict[int, tuple[str, str, str]], dtsen_latest: dict[int, int] | None = None
) -> None:
    """DTSEN and the selection-time Dukcapil for `people`; a later Dukcapil with the given changes.

    dukcapil_latest: person -> (kode_wilayah, status_hidup, tanggal_kematian).
    dtsen_latest: person -> desil of a later DTSEN snapshot (June 2026), when given.
    """
    header = "id_keluarga,nik,nama,jenis_kelamin,tanggal_lahir,kode_wilayah,desil,pekerjaan_utama"
    for snapshot, desil in (("20251201", {}), *((("20260601", dtsen_latest),) if dtsen_latest else ())):
        write(
            landing / "dtsen" / f"dtsen_{snapshot}.csv",
            header,
            [f"K{i},{nik(i)},ORANG {i},L,15-01-{1969 + i},{BEKASI},{desil.get(i, 1)},PEMULUNG" for i in people],
        )
    header = "nik,nama_lengkap,tanggal_lahir,kode_wilayah,status_hidup,tanggal_kematian"
    write(
        landing / "dukcapil" / "dukcapil_20251130.csv",
        header,
        [f"{nik(i)},ORANG NOMOR {i},{born(i)},{BEKASI},HIDUP," for i in people],
    )
    write_dukcapil(landing, people, dukcapil_latest, "20260430")


def write_dukcapil(landing, people: range, changes: dict[int, tuple[str, str, str]], snapshot: str) -> None:
    """A later civil-registry snapshot: person -> (kode_wilayah, status_hidup, tanggal_kematian)."""
    write(
        landing / "dukcapil" / f"dukcapil_{snapshot}.csv",
        "nik,nama_lengkap,tanggal_lahir,kode_wilayah,status_hidup,tanggal_kematian",
        [f"{nik(i)},ORANG NOMOR {i},{born(i)},{','.join(changes.get(i, (BEKASI, 'HIDUP', '')))}" for i in people],
    )


def write_memberships(landing, snapshot: str, rows: list[tuple[int, str, str, str]]) -> None:
    """rows: (person, kpj, sumber_iuran, tgl_kepesertaan), all AKTIF."""
    write(
        landing / "bpjs_kepesertaan" / f"bpjs_kepesertaan_{snapshot}.csv",
        "nik,kpj,sumber_iuran,status_kepesertaan,tgl_kepesertaan",
        [f"{nik(i)},{kpj},{payer},AKTIF,{start}" for i, kpj, payer, start in rows],
    )


def write_payments(landing, period: str, rows: list[tuple[int, str, str]]) -> None:
    """rows: (person, kpj, tgl_bayar), one premium each."""
    write(
        landing / "bpjs_iuran" / f"bpjs_iuran_{period.replace('-', '')}.csv",
        PAYMENT_HEADER,
        [
            f"I{period}{n:03d},{period},{kpj},{nik(i)},ORANG {i},1000000,10000,6800,{PREMIUM},{paid},REF{n},PEMBAYARAN"
            for n, (i, kpj, paid) in enumerate(rows, 1)
        ],
    )


@pytest.fixture(scope="module")
def warehouse(server_url, tmp_path_factory):
    landing = tmp_path_factory.mktemp("enrollment_landing")
    write_people(
        landing,
        range(1, 13),
        {
            4: (BEKASI, "MATI", "2026-03-31"),  # a participant dies on the last day of March
            6: (JAKARTA, "HIDUP", ""),  # wait-listed, moved out of Kota Bekasi
        },
        dtsen_latest={7: 8},
    )  # wait-listed, the latest DTSEN says desil 8
    write_memberships(
        landing,
        "20251210",
        [
            (2, "K2", "PEMKOT_BEKASI", "2025-01-10"),  # an earlier programme cohort: not excluded
            (3, "K3OLD", "PEMKOT_BEKASI", "2025-12-05"),
            (3, "K3NEW", "PEMKOT_BEKASI", "2025-12-06"),
        ],
    )
    write_memberships(
        landing,
        "20260331",
        [  # a partial check: P2 was not asked about
            (1, "K1B", "PEMKOT_BEKASI", "2026-03-05"),
            (1, "K1A", "PEMKOT_BEKASI", "2026-02-17"),
            (3, "K3NEW", "PEMKOT_BEKASI", "2025-12-06"),  # K3OLD was cancelled by BPJS
            (4, "K4", "PEMKOT_BEKASI", "2026-01-01"),
        ],
    )
    write_memberships(
        landing,
        "20260430",
        [  # the latest check
            (8, "K8", "PEMBERI_KERJA", "2026-02-01"),  # wait-listed, now covered by an employer
            (9, "K9", "PEMKOT_BEKASI", "2026-03-20"),  # registered before their slot (April)
            (12, "K12", "PEMKOT_BEKASI", "2026-04-01"),  # a programme KPJ, never called
        ],
    )
    write_payments(
        landing,
        "2026-03",
        [
            (1, "K1A", "2026-03-10"),
            (2, "K2", "2026-03-10"),
            (3, "K3NEW", "2026-03-10"),
            (4, "K4", "2026-03-10"),
            (9, "K9", "2026-03-25"),
        ],
    )
    write_payments(
        landing,
        "2026-04",
        [
            (1, "K1A", "2026-04-10"),
            (2, "K2", "2026-04-10"),
            (3, "K3NEW", "2026-04-20"),
            (4, "K4", "2026-04-10"),
            (9, "K9", "2026-04-10"),
            (12, "K12", "2026-04-10"),
        ],
    )
    deaths = {4: (BEKASI, "MATI", "2026-03-31"), 6: (JAKARTA, "HIDUP", "")}
    with pytest.MonkeyPatch.context() as env, migrated_database(server_url) as url:
        env.setenv("WAREHOUSE_URL", url)
        env.setenv(DATA_DOCS_ENV, str(tmp_path_factory.mktemp("data_docs")))
        load_landing(url, landing)
        publish_run("v1", {"quota": 5})
        for version, died in (
            ("v2", {9: (BEKASI, "MATI", "2026-06-15")}),
            ("v3", {10: (BEKASI, "MATI", "2026-09-05")}),
        ):
            deaths.update(died)
            write_dukcapil(landing, range(1, 13), deaths, "20261031" if version == "v3" else "20260731")
            load_landing(url, landing)
            publish_run(version, {"quota": 5})
        yield url


def enrollment(url: str) -> dict[int, tuple]:
    rows = query(
        url,
        """select nik, kpj, status, to_char(enrolled_month, 'YYYY-MM'), to_char(exit_month, 'YYYY-MM'),
                                exit_reason, source from ops.enrollment""",
    )
    by_nik = {nik(i): i for i in range(1, 13)}
    return {by_nik[row[0]]: row[1:] for row in rows}


def test_participants_are_the_selected_people_and_the_called_replacements(warehouse):
    assert enrollment(warehouse) == {
        1: ("K1A", "ACTIVE", "2026-02", None, None, "SELECTED"),  # registered mid-February: enrolled February
        2: ("K2", "ACTIVE", "2026-01", None, None, "SELECTED"),  # earlier cohort, absent from the partial checks
        3: ("K3NEW", "ACTIVE", "2026-01", None, None, "SELECTED"),  # the later check replaced the earlier picture
        4: ("K4", "EXITED", "2026-01", "2026-03", "DECEASED", "SELECTED"),  # covered through March
        5: (None, "SELECTED_NOT_REGISTERED", None, None, None, "SELECTED"),  # keeps the slot
        9: ("K9", "EXITED", "2026-04", "2026-06", "DECEASED", "REPLACEMENT"),  # never before the slot's month
        10: (None, "EXITED", None, "2026-09", "DECEASED", "REPLACEMENT"),  # died before BPJS registered them
        11: (None, "SELECTED_NOT_REGISTERED", None, None, None, "REPLACEMENT"),  # called, not registered yet
    }


def test_one_replacement_per_exit_in_order_skipping_the_no_longer_eligible(warehouse):
    listed = query(
        warehouse,
        """select call_order, nik, waitlist_rank, replaces_nik,
                                        to_char(slot_start_month, 'YYYY-MM'), is_registered
                                 from ops.replacement_list order by call_order""",
    )
    # P5 (not registered) keeps their slot: only P4's exit frees one. P6-P8 are skipped; the
    # chain P4 -> P9 -> P10 -> P11 follows each replacement's death.
    assert listed == [
        (1, nik(9), 4, nik(4), "2026-04", True),
        (2, nik(10), 5, nik(9), "2026-07", False),
        (3, nik(11), 6, nik(10), "2026-10", False),
    ]
    rechecked = dict(query(warehouse, "select nik, recheck_reasons from ops.person_case_waitlist"))
    assert rechecked == {
        nik(6): "NOT_BEKASI_RESIDENT",
        nik(7): "DESIL_ABOVE_MAX",
        nik(8): "ALREADY_COVERED",
        nik(9): "DECEASED",
        nik(10): "DECEASED",
        nik(11): "",
        nik(12): "",
    }
    ranks = dict(query(warehouse, "select nik, waitlist_rank from ops.eligibility where waitlist_rank is not null"))
    assert [ranks[nik(i)] for i in range(6, 13)] == list(range(1, 8))  # skipped people keep their rank


def test_replacement_capacity_counts_slots_calls_and_headroom(warehouse):
    slots = query_one(warehouse, "select * from marts.replacement_capacity")
    assert (
        slots["capacity"],
        slots["selected_participants"],
        slots["active_participants"],
        slots["not_registered"],
        slots["exited"],
    ) == (5, 5, 3, 2, 3)
    assert (
        slots["free_slots"],
        slots["replacements"],
        slots["new_calls"],
        slots["registered"],
        slots["pending"],
        slots["unfilled_slots"],
        slots["replacement_limit"],
    ) == (3, 3, 1, 1, 1, 0, "FREE_SLOTS")
    assert str(slots["latest_payment_period"]) == "2026-04-01" and slots["remaining_months"] == 8
    # Paid (11 premiums, every payee) + P1-P3 and P9, active in April, x 8 months.
    assert slots["projected_year_end_idr"] == (11 + 4 * 8) * PREMIUM
    # Committed beyond it: P5's slot May-December (not registered), P10 July-September, P11 October-December.
    assert slots["committed_idr"] == (8 + 3 + 3) * PREMIUM
    # This version called P11 only: October-December. Each call cost its slot's months after the data then.
    assert slots["new_calls_cost_idr"] == 3 * PREMIUM
    assert slots["headroom_for_calls_after_idr"] == slots["headroom_for_calls_before_idr"] - 3 * PREMIUM
    assert query(warehouse, "select slot_cost_idr, published_version from history.calls order by call_order") == [
        (8 * PREMIUM, 1),
        (6 * PREMIUM, 2),
        (3 * PREMIUM, 3),
    ]


def test_several_programme_kpjs_are_listed_for_checking(warehouse):
    rows = query(warehouse, "select nik, kpj_count, chosen_kpj, other_kpjs, is_selected from ops.kpj_check_list")
    assert rows == [(nik(1), 2, "K1A", "K1B", True)]


def test_a_death_on_the_last_day_of_a_month_is_covered_that_month_only(warehouse):
    rows = query(
        warehouse,
        """select to_char(period, 'YYYY-MM'), expected_idr, category from ops.reconciliation
                               where nik = %s order by 1""",
        (nik(4),),
    )
    assert rows == [("2026-03", PREMIUM, "MATCHED"), ("2026-04", 0, "PAID_AFTER_DEATH")]


def test_a_replacement_is_reconciled_like_a_selected_person_from_their_slot(warehouse):
    rows = query(
        warehouse,
        """select to_char(period, 'YYYY-MM'), nik, expected_idr, category from ops.reconciliation
                               where nik in (%s, %s) order by 1, 2""",
        (nik(9), nik(12)),
    )
    assert rows == [
        ("2026-03", nik(9), 0, "NOT_A_PARTICIPANT"),  # paid before their slot
        ("2026-04", nik(9), PREMIUM, "MATCHED"),
        ("2026-04", nik(12), 0, "NOT_A_PARTICIPANT"),
    ]  # a programme KPJ, but never called
    budget = query(
        warehouse,
        """select to_char(period, 'YYYY-MM'), active_participants from marts.budget_monthly
                                 where period between '2026-03-01' and '2026-07-01' order by 1""",
    )
    # P4 to March; P9 April-June; P1-P3 throughout.
    assert budget == [("2026-03", 4), ("2026-04", 4), ("2026-05", 4), ("2026-06", 4), ("2026-07", 3)]


def test_reconciliation_of_the_other_participants(warehouse):
    rows = query(
        warehouse,
        """select to_char(period, 'YYYY-MM'), nik, category from ops.reconciliation
                               where nik in (%s, %s, %s) order by 1, 2""",
        (nik(1), nik(2), nik(3)),
    )
    assert rows == [
        ("2026-03", nik(1), "MATCHED"),
        ("2026-03", nik(2), "MATCHED"),
        ("2026-03", nik(3), "MATCHED"),
        ("2026-04", nik(1), "MATCHED"),
        ("2026-04", nik(2), "MATCHED"),
        ("2026-04", nik(3), "LATE"),
    ]


def test_enrollment_lists_names_and_kecamatan_for_the_finance_office(warehouse):
    row = query_one(
        warehouse, "select nama, nama_kecamatan, priority_rank from ops.enrollment where nik = %s", (nik(1),)
    )
    assert row == {"nama": "ORANG NOMOR 1", "nama_kecamatan": "Bekasi Timur", "priority_rank": 1}
    listed = query_one(
        warehouse, "select nama, nama_kecamatan, status from ops.replacement_list where nik = %s", (nik(11),)
    )
    assert listed == {"nama": "ORANG NOMOR 11", "nama_kecamatan": "Bekasi Timur", "status": "SELECTED_NOT_REGISTERED"}
