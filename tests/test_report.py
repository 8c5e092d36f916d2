"""The finance report: workbook and PDF checked against the published marts, re-runs, the report DAG.

One small generated landing area is loaded and built once for the module; every report is
built from it into the test's own folder.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from rentan import airflow_runner, dbt_runner
from rentan.parameters import load_parameters
from rentan.paths import DAGS_DIR
from rentan.reports import NoPaymentData, build_report, latest_period, period_for_run, print_period_summary
from rentan.reports.formatting import mask_name, mask_nik, rupiah
from rentan.warehouse import connect

from tests.helpers_dbt import load_landing, migrated_database, query, query_one

PEOPLE = 2500
QUOTA = 100
SEED = 11
SHEETS = ["Ringkasan", "Per Kategori", "Per Kecamatan", "Daftar Pengecualian", "Tunggakan Berturut",
          "Baris Karantina", "Total Kontrol", "Anggaran Bulanan"]
NIK_PATTERN = re.compile(r"(?<![0-9])[0-9]{16}(?![0-9])")

synth = pytest.importorskip("rentan.synth")


@pytest.fixture(scope="module")
def warehouse(server_url, tmp_path_factory):
    """(truth, url): a generated landing area loaded and built once (test_reconciliation_e2e runs the unit tests)."""
    params = load_parameters({"quota": QUOTA})
    landing = tmp_path_factory.mktemp("report_landing")
    truth = synth.generate(landing, seed=SEED, people=PEOPLE, params=params)
    with migrated_database(server_url) as url:
        load_landing(url, landing)
        run = dbt_runner.build(url, params, unit_tests=False, target_path=tmp_path_factory.mktemp("dbt_target"))
        assert run.success, run.summary()
        yield truth, url


@pytest.fixture(scope="module")
def streak_period(warehouse) -> str:
    """A month with participants at two or more consecutive unpaid months (so that sheet has rows)."""
    _, url = warehouse
    return query(url, "select to_char(max(period), 'YYYY-MM') from ops.consecutive_unpaid")[0][0]


def build(url: str, period: str, out_dir) -> dict:
    with connect(url) as conn:
        return build_report(conn, period, out_dir)


def sheet_rows(path, name: str) -> list[tuple]:
    return list(load_workbook(path, read_only=True)[name].iter_rows(values_only=True))


def test_latest_period_is_the_last_month_with_payment_data(warehouse):
    truth, url = warehouse
    with connect(url) as conn:
        assert latest_period(conn) == max(truth["payments"])


def test_workbook_summary_matches_the_budget_mart(warehouse, streak_period, tmp_path):
    _, url = warehouse
    result = build(url, streak_period, tmp_path)
    path = result["paths"]["xlsx"]
    assert path.name == f"laporan_rekonsiliasi_{streak_period}.xlsx"
    assert load_workbook(path, read_only=True).sheetnames == SHEETS
    summary = {label: value for label, value, *_ in sheet_rows(path, "Ringkasan") if label}
    budget = query_one(url, "select * from marts.budget_monthly where to_char(period, 'YYYY-MM') = %s",
                       (streak_period,))
    assert summary["Iuran seharusnya"] == budget["expected_idr"] == result["summary"]["expected_idr"]
    assert summary["Iuran dibayar (neto, restitusi dikurangkan)"] == budget["paid_idr"]
    assert summary["Selisih (dibayar - seharusnya)"] == budget["paid_idr"] - budget["expected_idr"]
    assert summary["Anggaran terpakai s.d. bulan ini"] == budget["cumulative_paid_idr"]
    assert summary["Sisa anggaran"] == budget["budget_remaining_idr"]
    assert summary["Proyeksi belanja akhir tahun"] == budget["projected_year_end_idr"]
    assert summary["Headroom (anggaran - proyeksi)"] == budget["headroom_idr"]
    assert summary["Kuota"] == QUOTA and summary["Kapasitas = min(kuota, kapasitas menurut anggaran)"] == QUOTA
    assert summary["Batasan yang mengikat"] == "KUOTA"
    assert summary["Iuran per bulan"] == budget["monthly_premium_idr"]


def test_workbook_categories_and_kecamatan_add_up_to_the_marts(warehouse, streak_period, tmp_path):
    _, url = warehouse
    path = build(url, streak_period, tmp_path)["paths"]["xlsx"]
    marts = query(url, """select category, persons, expected_idr, paid_idr, difference_idr
                          from marts.reconciliation_summary where to_char(period, 'YYYY-MM') = %s
                          order by category_precedence""", (streak_period,))
    rows = sheet_rows(path, "Per Kategori")[1:]
    assert [(r[1], r[2], r[3], r[4], r[5]) for r in rows[:-1]] == marts
    assert rows[-1][2:6] == tuple(sum(m[i] for m in marts) for i in range(1, 5))
    kecamatan = sheet_rows(path, "Per Kecamatan")[1:]
    assert sum(r[2] for r in kecamatan) == sum(m[1] for m in marts)
    assert sum(r[4] for r in kecamatan) == sum(m[3] for m in marts)


def test_exception_list_has_kpj_and_masked_names_but_no_nik(warehouse, streak_period, tmp_path):
    _, url = warehouse
    path = build(url, streak_period, tmp_path)["paths"]["xlsx"]
    exceptions = query(url, """select kpj, nama, category_label, difference_idr from ops.reconciliation
                               where to_char(period, 'YYYY-MM') = %s and category <> 'MATCHED'
                               order by category_precedence, nama_kecamatan nulls last, kpj nulls last,
                                        kode_iuran_list""", (streak_period,))
    rows = sheet_rows(path, "Daftar Pengecualian")[1:]
    assert [(r[1] or None, r[2], r[4], r[7]) for r in rows] == [
        (kpj, mask_name(nama), label, difference) for kpj, nama, label, difference in exceptions]
    assert all(word.endswith("*") and len(word) <= 4 for r in rows for word in (r[2] or "").split())
    niks = {nik for (nik,) in query(url, "select nik from ops.reconciliation")}
    workbook = load_workbook(path, read_only=True)
    for sheet in workbook:
        for row in sheet.iter_rows(values_only=True):
            for value in row:
                found = set(NIK_PATTERN.findall(str(value))) if value is not None else set()
                assert not found & niks, (sheet.title, value)


def test_unpaid_streaks_quarantine_and_control_totals_sheets(warehouse, streak_period, tmp_path):
    _, url = warehouse
    path = build(url, streak_period, tmp_path)["paths"]["xlsx"]
    streaks = query(url, """select kpj, consecutive_unpaid_months from ops.consecutive_unpaid
                            where to_char(period, 'YYYY-MM') = %s""", (streak_period,))
    rows = sheet_rows(path, "Tunggakan Berturut")[1:]
    assert streaks and sorted((r[0], r[4]) for r in rows) == sorted(streaks)
    assert all(r[5] == ("Ya" if r[4] >= 3 else "Belum") for r in rows)
    quarantined = query(url, """select line_no, reason_code, total_iuran_text, nik_as_delivered, raw_line
                                from ops.quarantined_payment_lines where to_char(period, 'YYYY-MM') = %s
                                order by line_no""", (streak_period,))
    rows = sheet_rows(path, "Baris Karantina")[1:]
    assert [(r[1], r[2], r[4]) for r in rows] == [(q[0], q[1], q[2]) for q in quarantined]
    for row, (_, _, text, nik, raw) in zip(rows, quarantined, strict=True):
        assert text in row[7] and nik not in row[7] and mask_nik(nik) in row[7]
        assert row[7].split(",")[0] == raw.split(",")[0]  # the rest of the line as delivered
    controls = sheet_rows(path, "Total Kontrol")[1:]
    files = query(url, """select file_name, rows_in_file, file_total_idr from ops.payment_control_totals
                          where to_char(period, 'YYYY-MM') <= %s order by period""", (streak_period,))
    assert [(r[1], r[2], r[6]) for r in controls] == files
    assert {r[5] for r in controls} == {r[9] for r in controls} == {"Ya"}


def test_pdf_shows_the_key_figures_chart_and_signatures(warehouse, streak_period, tmp_path):
    _, url = warehouse
    result = build(url, streak_period, tmp_path)
    reader = PdfReader(result["paths"]["pdf"])
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    summary = result["summary"]
    for amount in ("expected_idr", "paid_idr", "cumulative_paid_idr", "budget_remaining_idr",
                   "projected_year_end_idr", "headroom_idr"):
        assert rupiah(summary[amount]) in text, amount
    for words in ("Realisasi anggaran per bulan", "Anggaran", "Proyeksi akhir tahun", "Disiapkan oleh",
                  "Diperiksa oleh", "Mengetahui", "NIP."):
        assert words in text
    assert not set(NIK_PATTERN.findall(text))


def test_rerunning_a_month_replaces_its_files(warehouse, streak_period, tmp_path):
    _, url = warehouse
    first = build(url, streak_period, tmp_path)
    pdf_bytes = first["paths"]["pdf"].read_bytes()
    workbook_rows = sheet_rows(first["paths"]["xlsx"], "Daftar Pengecualian")
    second = build(url, streak_period, tmp_path)
    assert second["paths"] == first["paths"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in first["paths"].values())
    assert second["paths"]["pdf"].read_bytes() == pdf_bytes  # same data, same file
    assert sheet_rows(second["paths"]["xlsx"], "Daftar Pengecualian") == workbook_rows
    assert second["paths"]["xlsx"].stat().st_mode & 0o077 == 0  # KPJs and masked names: owner only


def test_any_month_can_be_built_and_an_unknown_month_is_refused(warehouse, tmp_path):
    truth, url = warehouse
    first = min(truth["payments"])
    result = build(url, first, tmp_path)
    assert result["summary"]["categories"] == truth["payments"][first]
    assert result["summary"]["paid_idr"] == truth["budget"][first]["paid_idr"]
    with pytest.raises(NoPaymentData):
        build(url, "2026-12", tmp_path)
    with pytest.raises(ValueError):
        build(url, "2026-13", tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in result["paths"].values())


def test_print_period_summary_prints_the_month(warehouse, streak_period, capsys):
    _, url = warehouse
    with connect(url) as conn:
        print_period_summary(conn, streak_period)
    out = capsys.readouterr().out
    paid = query(url, "select paid_idr from marts.budget_monthly where to_char(period, 'YYYY-MM') = %s",
                 (streak_period,))[0][0]
    assert "Sesuai" in out and "Belum dibayar" in out and rupiah(paid) in out


def test_period_for_run(warehouse):
    truth, url = warehouse
    latest = max(truth["payments"])
    scheduled = dt.datetime(2026, 11, 1, 2, 0)
    with connect(url) as conn:
        assert period_for_run("2026-03", "scheduled", scheduled, conn) == "2026-03"
        assert period_for_run("", "scheduled", scheduled, conn) == "2026-10"
        assert period_for_run(None, "backfill", dt.datetime(2026, 1, 1, 2, 0), conn) == "2025-12"
        assert period_for_run("", "asset_triggered", None, conn) == latest
        assert period_for_run("", "manual", dt.datetime(2026, 11, 20), conn) == latest


def test_report_dag_runs_monthly_and_on_the_marts_asset():
    from airflow.dag_processing.dagbag import DagBag
    from rentan.assets import MARTS_ASSET
    from rentan.dag_policy import REPORT_SCHEDULE

    dag = DagBag(dag_folder=str(DAGS_DIR / "rentan_report.py")).dags["rentan_report"]
    assert type(dag.timetable).__name__ == "AssetOrTimeSchedule"
    assert dag.timetable.asset_condition.name == MARTS_ASSET.name
    assert dag.timetable.timetable.expression == REPORT_SCHEDULE
    assert dag.deadline and dag.params["period"] == ""
    assert [t.task_id for t in dag.tasks] == ["build_report"]


def test_report_task_reports_the_latest_month_when_triggered_by_the_marts(warehouse, tmp_path, monkeypatch):
    truth, url = warehouse
    from airflow.dag_processing.dagbag import DagBag

    monkeypatch.setenv("WAREHOUSE_URL", url)
    monkeypatch.setenv("RENTAN_REPORTS", str(tmp_path))
    dag = DagBag(dag_folder=str(DAGS_DIR / "rentan_report.py")).dags["rentan_report"]
    task = dag.get_task("build_report")
    result = task.python_callable(params={"period": ""}, dag_run=SimpleNamespace(run_type="asset_triggered"),
                                  logical_date=None, dag=dag)
    assert result["summary"]["period"] == max(truth["payments"])
    assert all(Path(p).parent == tmp_path for p in result["paths"].values())


def test_report_dag_writes_the_month_through_airflow(warehouse, streak_period, tmp_path, monkeypatch):
    _, url = warehouse
    monkeypatch.setenv("RENTAN_REPORTS", str(tmp_path / "reports"))
    outcome = airflow_runner.test_dag("rentan_report", {"period": streak_period}, url)
    log = outcome.log_file.read_text(errors="replace")
    # Airflow 3.3.2's `dags test` fails after the task when the DAG has a deadline alert
    # (DagRun.update_state looks the alerts up by their serialized form): judge by the task.
    assert outcome.success or ("Done. Returned value was" in log and "DeadlineAlertModel.get_by_id" in log), log[-3000:]
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == [
        f"laporan_rekonsiliasi_{streak_period}.xlsx", f"ringkasan_rekonsiliasi_{streak_period}.pdf"]
