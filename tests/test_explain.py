"""`rentan explain NIK` on a small hand-made landing area, through the loader, dbt and the CLI as an officer.

Quota 2, every candidate in Kota Bekasi:
S  desil 1, selected (rank 1), registered, paid January to March; also on a second DTSEN row (K9)
R  desil 1, selected (rank 2), registered, dies 10 February 2026: exited, paid after death in March
W1 desil 2, wait-listed 1: called to replace R
W2 desil 2, wait-listed 2; W3 desil 3, wait-listed 3: still waiting (1 ahead of W3)
D  desil 1, dead at selection; N desil 7, a civil servant paying BPJS himself; M not in Dukcapil
"""

from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql

from rentan import cli
from rentan.parameters import load_parameters
from rentan.paths import REPO_ROOT
from rentan.pipeline.status import status_lines
from rentan.transform import dbt_runner
from rentan.validate import sentences as check_sentences
from rentan.validate.results import validation_summary
from rentan.wap import checks as check_results
from rentan.wap.suites import load_suites
from rentan.warehouse import connect
from tests.helpers_dbt import load_landing, make_login, migrated_database, query, query_one

BEKASI = "3275011001"
PREMIUM = 16800
PEOPLE = {  # name: (NIK, year of birth, desil, household, occupation)
    "S": ("3275011501700001", 1970, 1, "K1", "PEMULUNG"),
    "R": ("3275011501710001", 1971, 1, "K2", "PEMULUNG"),
    "W1": ("3275011501720001", 1972, 2, "K3", "PEMULUNG"),
    "W2": ("3275011501730001", 1973, 2, "K4", "PEMULUNG"),
    "W3": ("3275011501740001", 1974, 3, "K5", "PEMULUNG"),
    "D": ("3275011501750001", 1975, 1, "K6", "PEMULUNG"),
    "N": ("3275011501760001", 1976, 7, "K7", "PNS"),
    "M": ("3275011501770001", 1977, 1, "K8", "PEMULUNG"),
}
NIK = {name: person[0] for name, person in PEOPLE.items()}
UNKNOWN = "3275014101990009"
NIK_PAID_ONLY = "3275011501800001"
PAYMENT_HEADER = (
    "kode_iuran,periode,kpj,nik,nama,penghasilan,iuran_jkk,iuran_jkm,total_iuran,tgl_bayar,no_referensi,jenis_transaksi"
)


def write(path, header: str, rows: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n")


def write_landing(landing) -> None:
    dtsen = [
        f"{home},{nik},ORANG {name},KEPALA KELUARGA,L,15-01-{year},{BEKASI},{desil},{job}"
        for name, (nik, year, desil, home, job) in PEOPLE.items()
    ]
    dtsen += [
        f"K1,3275015501050001,ANAK S,ANAK,P,15-01-2005,{BEKASI},1,PELAJAR",  # S's household: 3 rows
        f"K1,3275015501060001,ANAK S DUA,ANAK,P,15-01-2006,{BEKASI},1,PELAJAR",
        f"K9,{NIK['S']},ORANG S,KEPALA KELUARGA,L,15-01-1970,{BEKASI},4,PEMULUNG",
    ]  # the duplicate row
    write(
        landing / "dtsen" / "dtsen_20251201.csv",
        "id_keluarga,nik,nama,hubungan_keluarga,jenis_kelamin,tanggal_lahir,kode_wilayah,desil,pekerjaan_utama",
        dtsen,
    )
    header = "nik,nama_lengkap,jenis_kelamin,tanggal_lahir,kode_wilayah,alamat,rt,rw,status_hidup,tanggal_kematian"

    def residents(deaths: dict[str, str]) -> list[str]:
        return [
            f"{nik},NAMA {name},LAKI-LAKI,{year}-01-15,{BEKASI},JL MAWAR {i},00{i},002,"
            f"{'MATI' if name in deaths else 'HIDUP'},{deaths.get(name, '')}"
            for i, (name, (nik, year, *_)) in enumerate(PEOPLE.items(), 1)
            if name != "M"
        ]

    write(landing / "dukcapil" / "dukcapil_20251130.csv", header, residents({"D": "2025-10-01"}))
    write(landing / "dukcapil" / "dukcapil_20260228.csv", header, residents({"D": "2025-10-01", "R": "2026-02-10"}))
    membership_header = "nik,kpj,segmen,sumber_iuran,status_kepesertaan,tgl_kepesertaan"
    write(
        landing / "bpjs_kepesertaan" / "bpjs_kepesertaan_20251210.csv",
        membership_header,
        [f"{NIK['N']},KPJ-N,BPU,MANDIRI,AKTIF,2024-05-01"],
    )
    write(
        landing / "bpjs_kepesertaan" / "bpjs_kepesertaan_20260131.csv",
        membership_header,
        [
            f"{NIK['N']},KPJ-N,BPU,MANDIRI,AKTIF,2024-05-01",
            f"{NIK['S']},KPJ-S,BPU,PEMKOT_BEKASI,AKTIF,2026-01-05",
            f"{NIK['R']},KPJ-R,BPU,PEMKOT_BEKASI,AKTIF,2026-01-05",
        ],
    )
    for month in ("01", "02", "03"):
        rows = [
            f"I{month}{name},2026-{month},KPJ-{name},{NIK[name]},ORANG {name},1000000,10000,6800,{PREMIUM},"
            f"2026-{month}-10,REF,PEMBAYARAN"
            for name in ("S", "R")
        ]
        write(landing / "bpjs_iuran" / f"bpjs_iuran_2026{month}.csv", PAYMENT_HEADER, rows)
    # December 2025, before coverage: a person who is no candidate at all (a warning, and a case)
    write(
        landing / "bpjs_iuran" / "bpjs_iuran_202512.csv",
        PAYMENT_HEADER,
        [
            f"I12X{n},2025-12,KPJ-X,{NIK_PAID_ONLY},ORANG X,1000000,10000,6800,{PREMIUM},2025-12-{n}0,REF,PEMBAYARAN"
            for n in (1, 2)
        ],
    )


@pytest.fixture(scope="module")
def built(server_url, tmp_path_factory):
    """(url, dbt run, target path) of the landing area loaded and built once."""
    landing = tmp_path_factory.mktemp("explain_landing")
    write_landing(landing)
    target = tmp_path_factory.mktemp("dbt_target")
    with migrated_database(server_url) as url:
        load_landing(url, landing)
        run = dbt_runner.build(url, load_parameters({"quota": 2}), unit_tests=False, target_path=target)
        assert run.success, run.summary()
        yield url, run, target


@pytest.fixture(scope="module")
def warehouse(built):
    return built[0]


@pytest.fixture(scope="module")
def officer_url(warehouse):
    return make_login(warehouse, "rentan_officer")


@pytest.fixture
def explain(officer_url, monkeypatch, capsys):
    """Run `rentan explain` as the officer: (exit status, stdout, stderr)."""
    monkeypatch.setenv("RENTAN_OFFICER_URL", officer_url)

    def run(*args: str) -> tuple[int, str, str]:
        status = cli.main(["explain", *args])
        out = capsys.readouterr()
        return status, out.out, out.err

    return run


def story(explain, name: str) -> dict:
    status, out, err = explain(NIK[name], "--json")
    assert status == 0, err
    return json.loads(out)


def ops_row(url: str, table: str, nik: str) -> dict | None:
    return query_one(url, f"select * from ops.{table} where nik = %s", (nik,))  # noqa: S608 - test's own names


def rule_outcomes(s: dict) -> dict[str, bool | None]:
    return {rule["reason_code"]: rule["passed"] for rule in s["rules"]}


def test_a_selected_person(explain, warehouse):
    s = story(explain, "S")
    eligibility = ops_row(warehouse, "eligibility", NIK["S"])
    person = s["person"]
    assert (
        (person["is_selected"], person["priority_rank"], person["reasons"])
        == (eligibility["is_selected"], eligibility["priority_rank"], eligibility["reasons"])
        == (True, 1, "")
    )
    assert set(rule_outcomes(s).values()) == {True}
    # the DTSEN row taken (K1, desil 1, 3 people) and the duplicate row of K9
    assert (person["id_keluarga"], person["desil"], person["household_size"], person["dtsen_rows"]) == ("K1", 1, 3, 2)
    assert (person["duplicate_id_keluarga_list"], person["duplicate_desil_list"]) == ("K1,K9", "1,4")
    assert (person["nama_lengkap"], person["alamat"], person["nama_kelurahan"]) == (
        "NAMA S",
        "JL MAWAR 1",
        "Bekasijaya",
    )
    assert person["age_at_coverage_start"] == 55 and person["kategori_informal"] is not None
    assert s["enrollment"]["status"] == ops_row(warehouse, "enrollment", NIK["S"])["status"] == "ACTIVE"
    assert s["enrollment"]["kpj"] == "KPJ-S"
    assert [(m["kpj"], m["sumber_iuran"], m["is_program_payer"]) for m in s["memberships"]] == [
        ("KPJ-S", "PEMKOT_BEKASI", True)
    ]
    expected = query(
        warehouse,
        "select period::text, expected_idr, paid_idr, category from ops.reconciliation where nik = %s order by period",
        (NIK["S"],),
    )
    assert [(m["period"], m["expected_idr"], m["paid_idr"], m["category"]) for m in s["months"]] == expected
    assert [m["category"] for m in s["months"]] == ["MATCHED"] * 3


def test_a_replaced_participant_who_died(explain, warehouse):
    s = story(explain, "R")
    assert s["person"]["is_selected"] and s["person"]["latest_tanggal_kematian"] == "2026-02-10"
    enrollment = ops_row(warehouse, "enrollment", NIK["R"])
    assert (
        (s["enrollment"]["status"], s["enrollment"]["exit_month"], s["enrollment"]["exit_reason"])
        == (enrollment["status"], str(enrollment["exit_month"]), enrollment["exit_reason"])
        == ("EXITED", "2026-02-01", "DECEASED")
    )
    assert [(m["period"], m["category"]) for m in s["months"]] == [
        ("2026-01-01", "MATCHED"),
        ("2026-02-01", "MATCHED"),
        ("2026-03-01", "PAID_AFTER_DEATH"),
    ]


def test_a_waitlisted_person_called_as_replacement(explain, warehouse):
    s = story(explain, "W1")
    assert (s["person"]["is_selected"], s["person"]["waitlist_rank"]) == (False, 1)
    replacement = ops_row(warehouse, "replacement_list", NIK["W1"])
    assert s["waitlist"]["is_called"] and s["replacement"]["nik"] == NIK["W1"]
    # R died in February: W1 fills R's slot from March, the first call; R's NIK is no part of W1's story
    assert replacement["replaces_nik"] == NIK["R"]
    assert (
        (s["replacement"]["call_order"], s["replacement"]["replaces_exit_month"], s["replacement"]["slot_start_month"])
        == (replacement["call_order"], "2026-02-01", str(replacement["slot_start_month"]))
        == (1, "2026-02-01", "2026-03-01")
    )
    assert s["waitlist"]["call_order"] == 1 and s["enrollment"]["source"] == "REPLACEMENT"
    assert [r["call_order"] for r in story(explain, "R")["replaced_by"]] == [1]
    status, out, _ = explain(NIK["W1"])
    assert (
        "Dipanggil sebagai pengganti (urutan panggilan 1, menggantikan peserta yang meninggal pada Februari 2026, "
        "slot mulai Maret 2026" in out
    )
    assert "Kepesertaan (pengganti)" in out


def test_a_waitlisted_person_knows_how_many_slots_must_free_up(explain, warehouse):
    s = story(explain, "W3")
    assert (s["person"]["waitlist_rank"], s["waitlist"]["is_called"], s["replacement"]) == (3, False, None)
    ahead = query(
        warehouse,
        """select count(*) from ops.eligibility as e
                                join intermediate.int_eligibility_latest as w on w.nik = e.nik
                                where e.waitlist_rank < 3 and w.is_still_eligible
                                  and e.nik not in (select nik from ops.replacement_list)""",
    )[0][0]
    assert (s["waitlist"]["waiting_ahead"], s["waitlist"]["slots_to_free"]) == (ahead, ahead + 1) == (1, 2)
    status, out, _ = explain(NIK["W3"])
    assert status == 0 and "Daftar tunggu nomor 3" in out and "2 slot harus kosong" in out


def test_a_person_dead_at_selection(explain, warehouse):
    s = story(explain, "D")
    assert s["person"]["reasons"] == ops_row(warehouse, "eligibility", NIK["D"])["reasons"] == "DECEASED"
    deceased = next(r for r in s["rules"] if r["reason_code"] == "DECEASED")
    assert deceased["passed"] is False and deceased["facts"] == {
        "status_hidup": "MATI",
        "tanggal_kematian": "2025-10-01",
    }
    assert s["enrollment"] is None and s["waitlist"] is None


def test_a_person_not_eligible_and_one_missing_from_dukcapil(explain, warehouse):
    s = story(explain, "N")
    assert (
        s["person"]["reasons"]
        == ops_row(warehouse, "eligibility", NIK["N"])["reasons"]
        == ("ALREADY_COVERED,DESIL_ABOVE_MAX,NOT_INFORMAL_WORKER")
    )
    outcomes = rule_outcomes(s)
    assert [code for code, passed in outcomes.items() if passed is False] == [
        "NOT_INFORMAL_WORKER",
        "DESIL_ABOVE_MAX",
        "ALREADY_COVERED",
    ]
    assert {m["sumber_iuran"] for m in s["memberships"]} == {"MANDIRI"}
    missing = rule_outcomes(story(explain, "M"))
    assert missing == {
        "NOT_IN_DUKCAPIL": False,
        "DECEASED": None,
        "NOT_BEKASI_RESIDENT": None,
        "AGE_OUT_OF_RANGE": None,
        "NOT_INFORMAL_WORKER": True,
        "DESIL_ABOVE_MAX": True,
        "ALREADY_COVERED": True,
    }


def test_the_story_in_bahasa_indonesia(explain):
    status, out, _ = explain(NIK["R"])
    assert status == 0
    for text in (
        "Dukcapil, data per 30 November 2025",
        "Menurut data Dukcapil terbaru (per 28 Februari 2026): meninggal dunia pada 10 Februari 2026",
        "Terpilih sebagai peserta",
        "Keluar: Februari 2026 (meninggal dunia)",
        "Maret 2026",
        "Dibayar setelah meninggal",
        "Rp16.800",
        "[LULUS] Desil DTSEN terisi dan paling tinggi 5",
        "[LULUS] Masih hidup menurut Dukcapil pada tanggal seleksi 15 Desember 2025",
        "Slotnya diisi pengganti dari daftar tunggu (urutan panggilan 1, mulai Maret 2026)",
    ):
        assert text in out, text
    from rentan.reports.explain import _when

    assert _when(dt.datetime(2026, 12, 7, 0, 43, tzinfo=dt.UTC)) == "7 Desember 2026 pukul 07.43 WIB"


# Codes a resident must never hear (ops.vocabulary's domains of what the warehouse decides).
CODE_DOMAINS = (
    "reconciliation_category",
    "eligibility_reason",
    "enrollment_status",
    "exit_reason",
    "participant_source",
    "binding_constraint",
    "replacement_limit",
    "life_status",
    "membership_status",
)


@pytest.mark.parametrize(
    ("name", "first", "steps"),
    [
        (
            "S",
            "Anda terpilih sebagai peserta program, dan terdaftar di BPJS Ketenagakerjaan sejak Januari 2026; "
            "iuran Anda dibayar Pemerintah Kota Bekasi.",
            [],
        ),
        (
            "W3",
            "Anda memenuhi syarat tetapi belum terpilih karena kapasitas program sudah penuh: Anda di daftar "
            "tunggu nomor 3; 2 slot harus kosong sampai giliran Anda tiba.",
            [],
        ),
        (
            "N",
            "Anda tidak terpilih karena tidak memenuhi syarat program: sudah dilindungi pihak lain, desil di atas "
            "batas, bukan pekerja informal.",
            ["Tidak ada tindakan: kota tidak membayar iuran", "pemutakhiran DTSEN"],
        ),
        (
            "R",
            "Peserta ini tercatat meninggal dunia pada Februari 2026: kepesertaannya berakhir, dan perlindungannya "
            "berlaku sampai akhir Februari 2026. Slotnya sudah diisi pengganti dari daftar tunggu mulai Maret 2026.",
            [
                "minta BPJS menonaktifkannya",
                "Dibayar setelah meninggal pada Maret 2026: Ajukan restitusi iuran periode ini ke BPJS",
            ],
        ),
        (
            "W1",
            "Anda dipanggil dari daftar tunggu sebagai pengganti peserta yang meninggal pada Februari 2026; slot Anda "
            "mulai Maret 2026, tetapi BPJS Ketenagakerjaan belum mendaftarkan Anda; slot Anda tetap disimpan.",
            ["Kirim data orang ini ke BPJS Ketenagakerjaan untuk didaftarkan."],
        ),
    ],
    ids=["terpilih", "daftar_tunggu", "tidak_layak", "meninggal_diganti", "pengganti"],
)
def test_a_resident_hears_the_conclusion_first_and_the_next_step(explain, warehouse, name, first, steps):
    """The first sentence says what happened and why, in words a resident understands; the next steps
    follow when the data suggest one; no code, no ISO date or English number, no other person's NIK."""
    status, out, _ = explain(NIK[name])
    kept = REPO_ROOT / "test-output" / "explain"  # git-ignored: what the officer reads out, to look at
    kept.mkdir(parents=True, exist_ok=True)
    (kept / f"{name}.txt").write_text(out)
    lines = out.splitlines()
    assert status == 0 and lines[0] == f"NIK {NIK[name]}" and lines[2] == first
    if steps:
        block = out.split("Langkah berikutnya:", 1)[1].split("Rincian", 1)[0]
        assert all(step in block for step in steps), block
    else:
        assert "Langkah berikutnya:" not in out
    codes = {
        code
        for (code,) in query(warehouse, "select code from ops.vocabulary where domain = any(%s)", (list(CODE_DOMAINS),))
    }
    assert not set(re.findall(r"\b[A-Z][A-Z_]{3,}\b", out)) & codes
    assert not re.search(r"\d{4}-\d{2}-\d{2}|\d,\d{3}|UTC|snapshot", out)
    others = set(NIK.values()) - {NIK[name]}
    assert not [nik for nik in others if nik in out]
    assert not [nik for nik in others if nik in json.dumps(story(explain, name))]


def test_each_lookup_is_recorded_and_the_officer_cannot_read_the_record(explain, warehouse, officer_url):
    before = query(warehouse, "select count(*) from audit.person_lookup")[0][0]
    story(explain, "S")
    status, out, err = explain(UNKNOWN)
    assert status == 1 and out == ""
    assert f"NIK {UNKNOWN} tidak ditemukan" in err
    rows = query(warehouse, "select login, nik, found, tool from audit.person_lookup order by lookup_id")
    login = urlsplit(officer_url).username
    assert len(rows) == before + 2
    assert rows[-2:] == [(login, NIK["S"], True, "rentan explain"), (login, UNKNOWN, False, "rentan explain")]
    with psycopg.connect(officer_url, autocommit=True) as officer:
        for statement in (
            "select * from audit.person_lookup",
            "delete from audit.person_lookup",
            "update audit.person_lookup set nik = '0'",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                officer.execute(statement)
        with pytest.raises(psycopg.errors.InvalidParameterValue):  # the function takes only a NIK
            officer.execute("select officer.record_lookup('x''; drop table audit.person_lookup; --', 'me')")


def test_a_malformed_nik_and_a_login_that_is_not_an_officer(explain, warehouse, monkeypatch):
    status, _, err = explain("32750115-abc")
    assert status == 2 and "NIK tidak valid: '32750115-abc'" in err and "16 angka" in err
    monkeypatch.setenv("RENTAN_OFFICER_URL", warehouse)  # the superuser
    status, _, err = explain(NIK["S"])
    assert status == 2 and "must connect as a programme officer" in err


def test_the_bi_login_cannot_read_person_case(warehouse):
    with psycopg.connect(make_login(warehouse, "rentan_bi"), autocommit=True) as bi:
        for table in ("person_case", "person_case_memberships", "person_case_waitlist"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                bi.execute(sql.SQL("select * from {}").format(sql.Identifier("ops", table)))


def test_every_relation_explain_reads_by_nik_has_an_index_led_by_nik(warehouse):
    for table in (
        "person_case",
        "person_case_memberships",
        "person_case_waitlist",
        "enrollment",
        "reconciliation",
        "replacement_list",
    ):
        definitions = [
            d
            for (d,) in query(
                warehouse, "select indexdef from pg_indexes where schemaname = 'ops' and tablename = %s", (table,)
            )
        ]
        assert any(re.search(r"USING btree \(nik[,)]", d) for d in definitions), (table, definitions)


def test_a_paid_person_who_is_no_candidate(explain, warehouse):
    status, out, _ = explain(NIK_PAID_ONLY)
    assert status == 0 and "Anda bukan calon peserta program" in out and "Desember 2025" in out
    assert "Bukan peserta" in out and "NOT_A_PARTICIPANT" not in out


def test_every_warn_level_check_has_a_readable_sentence(built):
    """Each warn-level check carries its sentence beside it (dbt test meta, GX suite YAML), and its numbers read."""
    url, _, target = built
    manifest = json.loads((target / "manifest.json").read_text())
    dbt_tests = {uid: node for uid, node in manifest["nodes"].items() if node["resource_type"] == "test"}
    dbt_warn = {
        ("dbt", unique_id): (node["config"].get("meta") or {}).get("sentence")
        for unique_id, node in dbt_tests.items()
        if str(node["config"].get("severity")).lower() == "warn" or "sentence" in (node["config"].get("meta") or {})
    }
    gx_warn = {
        (c.suite, c.name): c.sentence
        for batches in load_suites().values()
        for b in batches
        for c in b.checks
        if c.severity == "warn"
    }
    assert len(dbt_warn) >= 3 and len(gx_warn) >= 2
    assert [check for check, entry in {**dbt_warn, **gx_warn}.items() if not entry] == []
    with connect(url) as conn:
        for (suite, check), entry in {**dbt_warn, **gx_warn}.items():
            # A failed dbt test's result carries its sentence; a GX check's is read from its suite.
            details = {"sentence": entry} if suite == "dbt" else {}
            result = check_results.CheckResult(suite, check, "warn", False, details=details)
            text = check_sentences.sentence(conn, result)
            assert text.startswith(entry["template"].split(":")[0] + ": "), text  # the numbers were read


def test_warnings_print_as_sentences_with_their_numbers(built, capsys):
    url, run, target = built
    results = check_results.dbt_test_results(run, target / "manifest.json")
    assert [r.check for r in results if r.success is False] == [
        next(r.check for r in results if "int_payments_files_period_between" in r.check)
    ]
    with connect(url) as conn:
        check_results.record_results(conn, "explain_run", results)
        print("\n".join(validation_summary(conn, "explain_run")[1]))
        print(*status_lines(conn, None), sep="\n")
    out = capsys.readouterr().out
    sentence = "payments for months outside the coverage window: 2 lines, Rp33,600 (2025-12)"
    assert f"  WARN {sentence}" in out and f"  warning: {sentence}" in out
    assert "test.rentan" not in out
    assert "person look-ups (rentan explain): " in out


def test_without_an_officer_url_on_a_configured_warehouse_explain_says_what_to_set(monkeypatch, capsys):
    monkeypatch.setenv("WAREHOUSE_URL", "postgresql://etl@db.example/rentan")
    monkeypatch.delenv("RENTAN_OFFICER_URL", raising=False)
    assert cli.main(["explain", NIK["S"]]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "set RENTAN_OFFICER_URL" in err


def test_explain_starts_without_the_report_renderers():
    """`rentan explain` is an officer's quick look-up: it must not load matplotlib and openpyxl (2 s) to start."""
    import subprocess
    import sys

    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, rentan.cli, rentan.reports.explain; print(sorted(m for m in "
            "('matplotlib', 'openpyxl') if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "[]"
