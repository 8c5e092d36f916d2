"""dbt build on a small hand-written landing area: unit tests, data tests and the outcome per person.

One build (seeds, models, every data test and every unit test) is shared by the module;
the tests after it read its tables or run a few models again with other parameters.
"""

from __future__ import annotations

import csv
import json

import pytest

from rentan.parameters import load_parameters
from rentan.paths import DBT_MANIFEST, DBT_TARGET_DIR
from rentan.reports.exports import export_registration
from rentan.transform import dbt_runner
from rentan.warehouse import connect
from tests.helpers_dbt import load_landing, migrated_database, query, query_one

DTSEN_HEADER = (
    "id_keluarga,nik,no_kk,nama,hubungan_keluarga,jenis_kelamin,tanggal_lahir,kode_wilayah,desil,pekerjaan_utama"
)
DUKCAPIL_HEADER = (
    "nik,no_kk,nama_lengkap,jenis_kelamin,tempat_lahir,tanggal_lahir,status_kawin,"
    "jenis_pekerjaan,kode_wilayah,alamat,rt,rw,status_hidup,tanggal_kematian,tanggal_update"
)
KEPESERTAAN_HEADER = "nik,kpj,nama,segmen,sumber_iuran,status_kepesertaan,tgl_kepesertaan,tgl_nonaktif"
KK = "3275010101000001"
REASON_COUNTS = "select reason_code, candidates_with_reason from marts.eligibility_reason_counts"
BEKASI, JAKARTA = "3275011001", "3171011001"

# The DTSEN snapshot in force on the selection date (2025-12-15).
DTSEN_SELECTION = [
    # K1: three rows; the second NIK comes with an Excel apostrophe and spaces, a messy job label
    f"K1,3275010101800001,{KK},Ahmad,KEPALA KELUARGA,L,01-01-1980,{BEKASI},1,PEMULUNG",
    f"K1,'3275 0142 0285 0002,{KK},Siti,ISTRI,P,02-02-1985,{BEKASI},1,  pedagang   kaki lima ",
    f"K1,3275010505100003,{KK},Budi,ANAK,L,05-05-2010,{BEKASI},1,PELAJAR/MAHASISWA",
    # first registered in Kab. Bogor, lives in Kota Bekasi; an earlier-cohort programme member
    f"K2,3201010202750001,{KK},Cecep,KEPALA KELUARGA,L,02-02-1975,{BEKASI},2,SOPIR",
    # first registered in Kota Bekasi, lives in Jakarta
    f"K3,3275010303700001,{KK},Dedi,KEPALA KELUARGA,L,03-03-1970,{BEKASI},3,KULI BANGUNAN",
    f"K4,3275010404600001,{KK},Eko,KEPALA KELUARGA,L,04-04-1960,{BEKASI},2,PEMULUNG",  # died
    f"K5,3275010505650001,{KK},Fajar,KEPALA KELUARGA,L,05-05-1965,{BEKASI},2,PENGEMUDI OJEK ONLINE",
    f"K6,3275010606700001,{KK},Gita,KEPALA KELUARGA,P,06-06-1970,{BEKASI},2,PENGEMUDI OJEK ONLINE",
    # one NIK in two households: takes K8 (lower desil) although K7 sorts first
    f"K7,3275010707800001,{KK},Hadi,FAMILI LAIN,L,07-07-1980,{BEKASI},4,PEMULUNG",
    f"K8,3275010707800001,{KK},Hadi,KEPALA KELUARGA,L,07-07-1980,{BEKASI},2,PEMULUNG",
    f"K8,3275010808820001,{KK},Indah,ISTRI,P,08-08-1982,{BEKASI},2,PEMULUNG",
    f"K9,3275013201800001,{KK},Joko,KEPALA KELUARGA,L,01-01-1980,{BEKASI},1,PEMULUNG",  # day 32: quarantined
    f"K10,3275011010800001,{KK},Kiki,KEPALA KELUARGA,P,10-10-1980,{BEKASI},,PEMULUNG",  # empty desil
]
# A later DTSEN snapshot (after the selection date): not in force for selection.
DTSEN_LATER = [f"K11,3275011111800001,{KK},Lala,KEPALA KELUARGA,P,11-11-1980,{BEKASI},1,PEMULUNG"]


def dukcapil(nik: str, name: str, born: str, where: str = BEKASI, status: str = "HIDUP", died: str = ""):
    address = f"{where},Jl. Melati 1,001,002"
    return f"{nik},{KK},{name},LAKI-LAKI,BEKASI,{born},KAWIN,,{address},{status},{died},2025-11-01"


DUKCAPIL_ROWS = [
    dukcapil("3275010101800001", "AHMAD", "1980-01-01"),
    dukcapil("3275014202850002", "SITI AMINAH", "1985-02-02"),
    dukcapil("3275010505100003", "BUDI", "2010-05-05"),
    dukcapil("3201010202750001", "CECEP", "1975-02-02"),
    dukcapil("3275010303700001", "DEDI", "1970-03-03", where=JAKARTA),
    dukcapil("3275010404600001", "EKO", "1960-04-04", status="MATI", died="2025-10-01"),
    # 3275010505650001 (Fajar) is not in the civil registry
    dukcapil("3275010606700001", "GITA", "1970-06-06"),
    dukcapil("3275010707800001", "HADI", "1980-07-07"),
    dukcapil("3275010808820001", "INDAH", "1982-08-08"),
    dukcapil("3275011010800001", "KIKI", "1980-10-10"),
    dukcapil("3275011111800001", "LALA", "1980-11-11"),
]
KEPESERTAAN_ROWS = [
    "3275010606700001,KPJ001,GITA,BPU,MANDIRI,AKTIF,2024-01-01,",  # already covered
    "3275010101800001,KPJ002,AHMAD,PU,PEMBERI_KERJA,NONAKTIF,2020-01-01,2023-06-30",  # no longer
    "3201010202750001,KPJ003,CECEP,BPU,PEMKOT_BEKASI,AKTIF,2025-01-01,",  # earlier programme cohort
]

EXPECTED = {  # nik: (reasons, priority_rank)
    "3275010101800001": ("", 1),  # desil 1, household of 3, older
    "3275014202850002": ("", 2),  # desil 1, household of 3, younger
    "3275010707800001": ("", 3),  # desil 2 (from K8), household of 2, older
    "3275010808820001": ("", 4),  # desil 2, household of 2, younger
    "3201010202750001": ("", 5),  # desil 2, household of 1
    "3275010505100003": ("AGE_OUT_OF_RANGE,NOT_INFORMAL_WORKER", None),
    "3275010303700001": ("NOT_BEKASI_RESIDENT", None),
    "3275010404600001": ("DECEASED", None),
    "3275010505650001": ("NOT_IN_DUKCAPIL", None),
    "3275010606700001": ("ALREADY_COVERED", None),
    "3275011010800001": ("DESIL_ABOVE_MAX", None),
}


def write(path, header: str, rows: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n")


@pytest.fixture(scope="module")
def params():
    return load_parameters()


@pytest.fixture(scope="module")
def warehouse(server_url, tmp_path_factory, params):
    """A database loaded with the small landing area and built once: (url, DbtRun of the build)."""
    landing = tmp_path_factory.mktemp("dbt_landing")
    with migrated_database(server_url) as url:
        write(landing / "dtsen" / "dtsen_20251201.csv", DTSEN_HEADER, DTSEN_SELECTION)
        write(landing / "dtsen" / "dtsen_20251220.csv", DTSEN_HEADER, DTSEN_LATER)
        write(landing / "bpjs_kepesertaan" / "bpjs_kepesertaan_20251210.csv", KEPESERTAAN_HEADER, KEPESERTAAN_ROWS)
        # First delivery of the selection-time civil registry puts Cecep in Jakarta ...
        first = [row.replace(BEKASI, JAKARTA) if row.startswith("3201010202750001") else row for row in DUKCAPIL_ROWS]
        write(landing / "dukcapil" / "dukcapil_20251130.csv", DUKCAPIL_HEADER, first)
        load_landing(url, landing)
        # ... the corrected re-delivery of the same snapshot replaces it.
        write(landing / "dukcapil" / "dukcapil_20251130.csv", DUKCAPIL_HEADER, DUKCAPIL_ROWS)
        load_landing(url, landing)
        run = dbt_runner.build(url, params)
        yield url, run


def test_build_runs_every_unit_test_and_data_test(warehouse):
    _, run = warehouse
    assert run.success, run.summary()
    by_type: dict[str, list[str]] = {}
    for node in run.results:
        by_type.setdefault(node["resource_type"], []).append(node["status"])
    assert len(by_type["unit_test"]) >= 15 and set(by_type["unit_test"]) == {"pass"}
    assert len(by_type["test"]) >= 50 and set(by_type["test"]) == {"pass"}
    assert set(by_type["model"]) == {"success"} and set(by_type["seed"]) == {"success"}
    models = {n["unique_id"] for n in run.results if n["resource_type"] == "model"}
    for name in (
        "eligibility",
        "registration_list",
        "dq_dtsen_duplicate_nik",
        "program_capacity",
        "eligibility_reason_counts",
        "int_program_parameters",
    ):
        assert f"model.rentan.{name}" in models


def test_built_tables_are_analyzed_and_off_autovacuum(warehouse):
    """An autovacuum of a fresh table outlasted the publish swap's lock tries (bench): built tables opt out."""
    url, _ = warehouse
    with connect(url) as conn:
        tables = conn.execute(
            """select c.relname, coalesce('autovacuum_enabled=false' = any(c.reloptions), false),
                      s.last_analyze is not null
               from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
               left join pg_stat_user_tables as s on s.relid = c.oid
               where n.nspname in ('ops', 'marts') and c.relkind = 'r'"""
        ).fetchall()
    assert len(tables) > 10
    assert [name for name, off, analyzed in tables if not (off and analyzed)] == []


def test_each_candidate_gets_the_expected_reasons_and_rank(warehouse):
    url, _ = warehouse
    got = {
        nik: (reasons, rank)
        for nik, reasons, rank in query(url, "select nik, reasons, priority_rank from ops.eligibility")
    }
    # the quarantined row (bad NIK) and the later snapshot's person are not candidates
    assert got == EXPECTED
    assert query(url, "select count(*) filter (where is_selected), count(waitlist_rank) from ops.eligibility") == [
        (5, 0)
    ]


def test_household_size_counts_rows_of_the_household_in_the_snapshot(warehouse):
    url, _ = warehouse
    sizes = dict(query(url, "select nik, household_size from ops.eligibility where is_eligible"))
    assert sizes == {
        "3275010101800001": 3,
        "3275014202850002": 3,
        "3275010707800001": 2,
        "3275010808820001": 2,
        "3201010202750001": 1,
    }


def test_duplicate_nik_is_listed_with_the_row_it_took(warehouse):
    url, _ = warehouse
    row = query_one(url, "select * from ops.dq_dtsen_duplicate_nik")
    assert row["nik"] == "3275010707800001"
    assert (row["dtsen_rows"], row["id_keluarga_list"], row["chosen_id_keluarga"], row["chosen_desil"]) == (
        2,
        "K7,K8",
        "K8",
        2,
    )


def test_default_parameters_capacity_is_9920_budget_bound(warehouse):
    url, _ = warehouse
    row = query_one(url, "select * from marts.program_capacity")
    premium = (row["monthly_premium_idr"], row["months_covered"], row["annual_premium_idr"])
    assert premium == (16800, 12, 201600)
    assert (row["capacity"], row["binding_constraint"]) == (9920, "BUDGET")
    assert (row["eligible_count"], row["selected_count"], row["waitlist_count"]) == (5, 5, 0)
    assert "9920" in row["capacity_arithmetic"] and "BUDGET" in row["capacity_arithmetic"]


def test_reason_counts_list_every_code_without_personal_data(warehouse):
    url, _ = warehouse
    counts = dict(query(url, REASON_COUNTS))
    assert counts == {
        "NOT_IN_DUKCAPIL": 1,
        "DECEASED": 1,
        "NOT_BEKASI_RESIDENT": 1,
        "AGE_OUT_OF_RANGE": 1,
        "NOT_INFORMAL_WORKER": 1,
        "DESIL_ABOVE_MAX": 1,
        "ALREADY_COVERED": 1,
    }
    columns = [
        c for (c,) in query(url, "select column_name from information_schema.columns where table_schema = 'marts'")
    ]
    assert not {"nik", "nama", "tanggal_lahir", "nama_lengkap"} & set(columns)


def test_export_registration_writes_the_selected_people_in_rank_order(warehouse, tmp_path):
    url, _ = warehouse
    out = tmp_path / "exports" / "registration.csv"
    with connect(url) as conn:
        rows = export_registration(conn, out)
    with out.open(newline="") as f:
        records = list(csv.DictReader(f))
    assert rows == len(records) == 5
    assert [r["nik"] for r in records] == [
        nik for nik, (_, rank) in sorted(((k, v) for k, v in EXPECTED.items() if v[1]), key=lambda kv: kv[1][1])
    ]
    first = records[0]
    assert (first["priority_rank"], first["nama"], first["tanggal_lahir"]) == ("1", "AHMAD", "1980-01-01")
    assert (first["nama_kelurahan"], first["nama_kecamatan"]) == ("Bekasijaya", "Bekasi Timur")
    assert (first["pekerjaan_utama"], first["kategori_informal"], first["sumber_iuran"]) == (
        "PEMULUNG",
        "PEMULUNG",
        "PEMKOT_BEKASI",
    )
    assert records[1]["kategori_informal"] == "PEDAGANG"
    assert out.stat().st_mode & 0o077 == 0  # personal data: owner only


def test_february_start_lets_the_budget_fund_the_whole_quota(warehouse, params):
    url, _ = warehouse
    february = {**params, "coverage_start_month": "2026-02"}
    models = ["--select", "int_program_parameters", "program_capacity"]
    try:
        run = dbt_runner.run_dbt(["run", *models], url, february)
        assert run.success, run.summary()
        row = query_one(url, "select * from marts.program_capacity")
        assert (row["months_covered"], row["annual_premium_idr"]) == (11, 184800)
        assert (row["capacity"], row["binding_constraint"]) == (10000, "QUOTA")
    finally:
        assert dbt_runner.run_dbt(["run", *models], url, params).success


def test_a_failing_model_fails_the_run_and_is_named(warehouse, params):
    url, _ = warehouse
    run = dbt_runner.run_dbt(["run", "--select", "int_program_parameters"], url, {**params, "quota": "ten"})
    assert not run.success
    assert [f["unique_id"] for f in run.failures] == ["model.rentan.int_program_parameters"]
    assert "int_program_parameters" in run.summary()
    # the previous table is left in place
    assert query(url, "select quota from intermediate.int_program_parameters") == [(10000,)]


def test_build_schema_suffix_moves_only_ops_and_marts(warehouse, params):
    url, _ = warehouse
    run = dbt_runner.run_dbt(
        ["run", "--select", "eligibility", "program_capacity"],
        url,
        params,
        extra_vars={"build_schema_suffix": "_build"},
    )
    assert run.success, run.summary()
    assert query(url, "select count(*) from ops_build.eligibility") == [(len(EXPECTED),)]
    assert query(url, "select capacity from marts_build.program_capacity") == [(9920,)]


def test_docs_describe_every_model_seed_and_column(warehouse, params):
    url, _ = warehouse
    run = dbt_runner.run_dbt(["docs", "generate"], url, params)
    assert run.success, run.summary()
    manifest = json.loads(DBT_MANIFEST.read_text())
    catalog = json.loads((DBT_TARGET_DIR / "catalog.json").read_text())
    undocumented = []
    for unique_id, node in manifest["nodes"].items():
        if node["resource_type"] not in ("model", "seed"):
            continue
        if not node["description"].strip():
            undocumented.append(unique_id)
        described = {name for name, column in node["columns"].items() if column["description"].strip()}
        if node["config"]["materialized"] == "ephemeral":  # compiled into its callers: never a relation
            assert described, f"{unique_id}: describe the columns it gives its callers"
            continue
        built = set(catalog["nodes"][unique_id]["columns"])
        undocumented += [f"{unique_id}.{column}" for column in sorted(built - described)]
        undocumented += [
            f"{unique_id}.{column} (documented, not built)" for column in sorted(set(node["columns"]) - built)
        ]
    assert not undocumented
