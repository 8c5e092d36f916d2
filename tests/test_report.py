"""The finance report: workbook and PDF checked against the published marts, rendered to images and
read back as a reader sees them, hostile text, atomic writes, re-runs, the report DAG.

One small generated landing area (with a few hostile payment lines added to its latest month)
is loaded and built once for the module; the month's report is built and rendered once too.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from rentan import cli
from rentan.parameters import load_parameters
from rentan.paths import DAGS_DIR, REPO_ROOT
from rentan.pipeline import runner as airflow_runner
from rentan.reports.build import (
    ReportWriteError,
    build_report,
    latest_period,
    period_for_run,
    period_summary_lines,
)
from rentan.reports.data import NoPaymentData
from rentan.reports.formatting import (
    NO_KPJ,
    clean_text,
    count_format,
    mask_name,
    mask_nik,
    mask_raw_line,
    month_id,
    rupiah_for_readers,
    rupiah_format,
)
from rentan.reports.signatories import SignatoryConfigError, load_signatories
from rentan.transform import dbt_runner
from rentan.warehouse import connect
from tests.helpers_dbt import load_landing, migrated_database, query, query_one

PEOPLE = 2500
QUOTA = 100
SEED = 11
SHEETS = [
    "Ringkasan",
    "Per Kategori",
    "Per Kecamatan",
    "Daftar Pengecualian",
    "Tunggakan Berturut",
    "Baris Karantina",
    "Total Kontrol",
    "Anggaran Bulanan",
    "Sumber Data",
    "Keterangan Kode",
]
NIK_PATTERN = re.compile(r"(?<![0-9])[0-9]{16}(?![0-9])")
REPORT_DATE = dt.date(2026, 12, 2)
RENDERED = REPO_ROOT / "test-output" / "report"  # git-ignored: the PNGs a person looks at
# English a reader must not meet (case-sensitive whole words: codes such as UNPAID stay).
ENGLISH = re.compile(
    r"\b(Headroom|Paid|Expected|Budget|Difference|Refunds?|Category|Quarantine|Total control|"
    r"Page|Sheet|May|Aug|Oct|Dec|TRUE|FALSE|None|nan)\b"
)
# Hostile lines added to the latest month's payment file (NIKs no generated person has).
HOSTILE_NIKS = ("3275013112059999", "3275013112059998", "3275013112059997")
HOSTILE_LINES = [
    # loaded: paid for a non-participant, no KPJ, a formula as kode_iuran, quotes and a bell in the name
    f'=1+1,{{period}},,{HOSTILE_NIKS[0]},"SITI ""ANI"" NURHALIZA\x07",1000000,10000,6800,16800,{{day}},REF1,PEMBAYARAN',
    # quarantined: a formula as the amount, a name in quotes
    f'@SUM(A1),{{period}},,{HOSTILE_NIKS[1]},"SITI ""ANI"" NURHALIZA",1000000,10000,6800,=2+3,{{day}},REF2,PEMBAYARAN',
    # quarantined: an amount with a thousands dot, a bell inside the name
    f"+1-1,{{period}},,{HOSTILE_NIKS[2]},BUDI\x07SANTOSO,1000000,10000,6800,16.800,{{day}},REF3,PEMBAYARAN",
]
SIGNATORIES = """
tempat: Bekasi
penandatangan:
  - peran: Disiapkan oleh
    jabatan: Analis Keuangan Uji
    nama: PENYUSUN UJI
    nip: "19800101 200501 1 001"
  - peran: Mengetahui
    jabatan: Kepala Bidang Uji $x^2$
    nama: PEJABAT UJI
    nip: 198002022006042002
"""

synth = pytest.importorskip("rentan_dev.synth")


def tool(name: str) -> str:
    """A renderer's path; missing: the test fails under CI=true, else it is skipped."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (make system-deps)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def warehouse(server_url, tmp_path_factory):
    """(truth, url): a generated landing area loaded, built and published once."""
    params = load_parameters({"quota": QUOTA})
    landing = tmp_path_factory.mktemp("report_landing")
    truth = synth.generate(landing, seed=SEED, people=PEOPLE, params=params)
    latest = max(truth["payments"])
    payment_file = landing / "bpjs_iuran" / f"bpjs_iuran_{latest.replace('-', '')}.csv"
    newline = "\r\n" if b"\r\n" in payment_file.read_bytes()[:4096] else "\n"  # as the file delivers it
    with payment_file.open("a", encoding="utf-8", newline="") as out:
        for line in HOSTILE_LINES:
            out.write(line.format(period=latest, day=f"{latest}-05") + newline)
    with migrated_database(server_url) as url:
        load_landing(url, landing)
        run = dbt_runner.build(url, params, unit_tests=False, target_path=tmp_path_factory.mktemp("dbt_target"))
        assert run.success, run.summary()
        # What the transform's publish step records (the build went straight into ops and marts).
        query(url, "insert into meta.publish_log (run_id, relations) values ('test-report', '{}') returning version")
        yield truth, url


@pytest.fixture(scope="module")
def streak_period(warehouse) -> str:
    """A month with participants at two or more consecutive unpaid months (so that sheet has rows)."""
    _, url = warehouse
    return query(url, "select to_char(max(period), 'YYYY-MM') from ops.consecutive_unpaid")[0][0]


@pytest.fixture(scope="module")
def signatories(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("config") / "penandatangan.yml"
    path.write_text(SIGNATORIES)
    return path


@pytest.fixture(scope="module")
def report(warehouse, streak_period, signatories, tmp_path_factory) -> dict:
    """The streak month's report, built once for the module's read-only checks."""
    _, url = warehouse
    return build(url, streak_period, tmp_path_factory.mktemp("report"), signatories=signatories)


@pytest.fixture(scope="module")
def hostile_report(warehouse, signatories, tmp_path_factory) -> dict:
    """The latest month's report: the month with the hostile lines."""
    truth, url = warehouse
    return build(url, max(truth["payments"]), tmp_path_factory.mktemp("hostile"), signatories=signatories)


def render(result: dict, name: str) -> dict:
    """Both files as a reader sees them: LibreOffice prints the workbook to PDF; pdftoppm makes PNGs
    (kept under test-output/report/<name>/) and pdftotext the text of each."""
    soffice, pdftoppm, pdftotext = tool("soffice"), tool("pdftoppm"), tool("pdftotext")
    out = RENDERED / name
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    workbook = result["paths"]["xlsx"]
    profile = out / "lo-profile"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(workbook),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    shutil.rmtree(profile, ignore_errors=True)
    workbook_pdf = out / workbook.with_suffix(".pdf").name
    texts = {}
    for kind, pdf in (("xlsx", workbook_pdf), ("pdf", result["paths"]["pdf"])):
        subprocess.run([pdftoppm, "-png", "-r", "70", str(pdf), str(out / kind)], check=True, timeout=300)
        texts[kind] = subprocess.run(
            [pdftotext, "-layout", str(pdf), "-"], check=True, capture_output=True, text=True, timeout=120
        ).stdout
    return {"dir": out, "text": texts, "pngs": sorted(out.glob("*.png"))}


@pytest.fixture(scope="module")
def rendered(report) -> dict:
    return render(report, "bulan")


def build(url: str, period: str, out_dir, signatories=None) -> dict:
    with connect(url) as conn:
        return build_report(conn, period, out_dir, signatories=signatories, report_date=REPORT_DATE)


def sheet_rows(path, name: str) -> list[tuple]:
    return list(load_workbook(path, read_only=True)[name].iter_rows(values_only=True))


def every_cell(path):
    for sheet in load_workbook(path):
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    yield sheet, cell


def banded_cells(ws) -> set[str]:
    """The cells a conditional format of the sheet covers."""
    cells = set()
    for formats in ws.conditional_formatting:
        for r in formats.sqref.ranges:
            for row in ws.iter_rows(min_row=r.min_row, max_row=r.max_row, min_col=r.min_col, max_col=r.max_col):
                cells.update(cell.coordinate for cell in row)
    return cells


def test_latest_period_is_the_last_month_with_payment_data(warehouse):
    truth, url = warehouse
    with connect(url) as conn:
        assert latest_period(conn) == max(truth["payments"])


def test_workbook_summary_matches_the_budget_mart(warehouse, streak_period, report):
    _, url = warehouse
    path = report["paths"]["xlsx"]
    assert path.name == f"laporan_rekonsiliasi_{streak_period}.xlsx"
    assert load_workbook(path, read_only=True).sheetnames == SHEETS
    summary = {label: value for label, value, *_ in sheet_rows(path, "Ringkasan") if label}
    budget = query_one(
        url, "select * from marts.budget_monthly where to_char(period, 'YYYY-MM') = %s", (streak_period,)
    )
    assert summary["Iuran seharusnya"] == budget["expected_idr"] == report["summary"]["expected_idr"]
    assert summary["Iuran dibayar (neto, restitusi dikurangkan)"] == budget["paid_idr"]
    assert summary["Selisih (dibayar - seharusnya)"] == budget["paid_idr"] - budget["expected_idr"]
    month = month_id(dt.date.fromisoformat(streak_period + "-01"))
    assert summary[f"Anggaran terpakai s.d. {month}"] == budget["cumulative_paid_idr"]
    assert summary["Sisa anggaran"] == budget["budget_remaining_idr"]
    assert summary["Proyeksi belanja akhir tahun"] == budget["projected_year_end_idr"]
    assert summary["Ruang anggaran (anggaran - proyeksi)"] == budget["headroom_idr"]
    assert summary["Kuota"] == QUOTA and summary["Kapasitas = min(kuota, kapasitas menurut anggaran)"] == QUOTA
    assert summary["Yang membatasi kapasitas"] == "Kuota"
    assert summary["Iuran per bulan"] == budget["monthly_premium_idr"]
    assert summary["Periode laporan"] == month_id(dt.date.fromisoformat(streak_period + "-01"))
    version = query(url, "select max(version) from meta.publish_log")[0][0]
    assert version == report["summary"]["published_version"]
    assert summary["Dibuat dari data terbit"] == f"versi terbit {version}"
    called = next(value for label, value in summary.items() if label.startswith("Pengganti yang dipanggil"))
    assert (
        called
        == query_one(
            url,
            "select count(*) from ops.replacement_list where to_char(slot_start_month, 'YYYY-MM') <= %s",
            (streak_period,),
        )["count"]
    )


def test_workbook_totals_are_formulas_over_the_rows(warehouse, streak_period, report):
    _, url = warehouse
    path = report["paths"]["xlsx"]
    marts = query(
        url,
        """select category, persons, expected_idr, paid_idr, difference_idr
                          from marts.reconciliation_summary where to_char(period, 'YYYY-MM') = %s
                          order by category_precedence""",
        (streak_period,),
    )
    rows = sheet_rows(path, "Per Kategori")[1:]
    assert [(r[1], r[2], r[3], r[4], r[5]) for r in rows[:-1]] == marts
    last = len(marts) + 1
    assert rows[-1][:6] == (
        "Jumlah",
        None,
        f"=SUM(C2:C{last})",
        f"=SUM(D2:D{last})",
        f"=SUM(E2:E{last})",
        f"=SUM(F2:F{last})",
    )
    kecamatan = sheet_rows(path, "Per Kecamatan")[1:-1]
    assert sum(r[2] for r in kecamatan) == sum(m[1] for m in marts)
    assert sum(r[4] for r in kecamatan) == sum(m[3] for m in marts)
    # The month's file: rows in the file = loaded + quarantined, net paid = payments - refunds, as formulas.
    summary = {label: (value, n) for n, (label, value, *_) in enumerate(sheet_rows(path, "Ringkasan"), 1) if label}
    loaded, quarantined = summary["Baris dimuat"][1], summary["Baris dikarantina"][1]
    assert summary["Baris seimbang (file = dimuat + dikarantina)"][0].startswith("=IF(B")
    assert summary["Pemeriksaan baris: dimuat + dikarantina"][0] == f"=B{loaded}+B{quarantined}"
    payments, refunds = (
        summary["Baris dimuat: pembayaran (PEMBAYARAN)"],
        next(v for k, v in summary.items() if k.startswith("Baris dimuat: restitusi")),
    )
    assert summary["Iuran dibayar neto = pembayaran - restitusi"][0] == f"=B{payments[1]}-B{refunds[1]}"
    budget = query_one(
        url, "select paid_idr from marts.budget_monthly where to_char(period, 'YYYY-MM') = %s", (streak_period,)
    )
    assert payments[0] - refunds[0] == budget["paid_idr"] and refunds[0] > 0


def test_exception_list_has_kpj_and_masked_names_but_no_nik(warehouse, streak_period, report):
    _, url = warehouse
    path = report["paths"]["xlsx"]
    exceptions = query(
        url,
        """select kpj, nama, category_label, category, difference_idr from ops.reconciliation
                               where to_char(period, 'YYYY-MM') = %s and category <> 'MATCHED'
                               order by category_precedence, nama_kecamatan nulls last, kpj nulls last,
                                        kode_iuran_list""",
        (streak_period,),
    )
    rows = sheet_rows(path, "Daftar Pengecualian")[1:-1]
    assert [(r[1], r[2], r[4], r[5], r[8]) for r in rows] == [
        (kpj or NO_KPJ, mask_name(nama), label, code, difference) for kpj, nama, label, code, difference in exceptions
    ]
    assert all(word.endswith("*") and len(word) <= 4 for r in rows for word in (r[2] or "").split())
    niks = {nik for (nik,) in query(url, "select nik from ops.reconciliation")}
    for sheet, cell in every_cell(path):
        assert not set(NIK_PATTERN.findall(str(cell.value))) & niks, (sheet.title, cell.value)


def test_unpaid_streaks_quarantine_and_control_totals_sheets(warehouse, streak_period, report):
    _, url = warehouse
    path = report["paths"]["xlsx"]
    streaks = query(
        url,
        """select kpj, consecutive_unpaid_months from ops.consecutive_unpaid
                            where to_char(period, 'YYYY-MM') = %s""",
        (streak_period,),
    )
    rows = sheet_rows(path, "Tunggakan Berturut")[1:-1]
    assert streaks and sorted((r[0], r[4]) for r in rows) == sorted(streaks)
    assert all(r[5] == ("Ya" if r[4] >= 3 else "Belum") for r in rows)
    quarantined = query(
        url,
        """select line_no, reason_code, total_iuran_text, nik_as_delivered, raw_line
                                from ops.quarantined_payment_lines where to_char(period, 'YYYY-MM') = %s
                                order by line_no""",
        (streak_period,),
    )
    rows = sheet_rows(path, "Baris Karantina")[1:-1]
    assert quarantined and [(r[1], r[2], r[5]) for r in rows] == [(q[0], q[1], q[2]) for q in quarantined]
    assert all(r[3] and r[3] != r[2] for r in rows)  # an Indonesian reason beside the code
    for row, (_, _, text, nik, raw) in zip(rows, quarantined, strict=True):
        assert text in row[8] and nik not in row[8] and mask_nik(nik) in row[8]
        assert row[8].split(",")[0] == raw.split(",")[0]  # the rest of the line as delivered
    controls = sheet_rows(path, "Total Kontrol")[1:-1]
    files = query(
        url,
        """select file_name, rows_in_file, file_total_idr from ops.payment_control_totals
                          where to_char(period, 'YYYY-MM') <= %s order by period""",
        (streak_period,),
    )
    assert [(r[1], r[2], r[6]) for r in controls] == files
    assert [r[5] for r in controls] == [f'=IF(C{n}=D{n}+E{n},"Ya","TIDAK")' for n in range(2, len(files) + 2)]


def test_workbook_is_set_up_for_printing_in_indonesian_formats(report, streak_period):
    workbook = load_workbook(report["paths"]["xlsx"])
    version = f"versi terbit {report['summary']['published_version']}"
    for ws in workbook:
        assert str(ws.page_setup.paperSize) == str(ws.PAPERSIZE_A4) and ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1, ws.title
        assert ws.title == "Ringkasan" or ws.print_title_rows == "$1:$1", ws.title
        footer = ws.oddFooter.left.text
        assert month_id(dt.date.fromisoformat(streak_period + "-01")) in footer and version in footer
        assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
        banded = banded_cells(ws)
        for row in ws.iter_rows():
            for cell in row:
                # Locale-proof formats only: no locale grouping comma, no English month names.
                assert "," not in cell.number_format and "mmm" not in cell.number_format, (ws.title, cell.coordinate)
                if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                    # One fixed format per kind, the digit groups from the sheet's conditional formats.
                    assert cell.number_format in (rupiah_format(), count_format()), (ws.title, cell.coordinate)
                    assert cell.coordinate in banded, (ws.title, cell.coordinate)
    months = [cell for cell in workbook["Anggaran Bulanan"]["A"][1:] if isinstance(cell.value, dt.datetime)]
    assert months and all(f'"{month_id(c.value.date()).split()[0]} "yyyy' == c.number_format for c in months)


def test_source_sheet_lists_the_input_files_and_checksums(warehouse, report):
    _, url = warehouse
    files = query(url, "select file_name, checksum from meta.load_manifest where status = 'LOADED' order by 1")
    rows = sheet_rows(report["paths"]["xlsx"], "Sumber Data")
    listed = sorted((r[1], r[4]) for r in rows[1 : len(files) + 1])
    assert listed == files and report["summary"]["input_files"] == len(files)
    assert any(r[1] == report["summary"]["fingerprint"] for r in rows)


def test_pdf_has_the_figures_reconciliation_and_signatures(warehouse, streak_period, report):
    _, url = warehouse
    reader = PdfReader(report["paths"]["pdf"])
    pages = len(reader.pages)
    assert 2 <= pages <= 3
    text = "\n".join(page.extract_text() for page in reader.pages)
    summary = report["summary"]
    for amount in (
        "expected_idr",
        "paid_idr",
        "cumulative_paid_idr",
        "budget_remaining_idr",
        "projected_year_end_idr",
        "headroom_idr",
    ):
        assert rupiah_for_readers(summary[amount]) in text, amount
    control = query_one(
        url, """select * from ops.payment_control_totals where to_char(period, 'YYYY-MM') = %s""", (streak_period,)
    )
    refunds = (control["staged_total_idr"] - control["net_paid_idr"]) // 2
    for words in (
        rupiah_for_readers(control["file_total_idr"]),
        rupiah_for_readers(control["quarantined_total_idr"]),
        rupiah_for_readers(control["loaded_total_idr"]),
        rupiah_for_readers(refunds),
        rupiah_for_readers(control["net_paid_idr"]),
        "Iuran dibayar neto = pembayaran - restitusi",
        "Dibayar dikurangi seharusnya: negatif berarti kurang dibayar",
        "Realisasi anggaran",
        "Proyeksi akhir tahun",
        "Disiapkan oleh",
        "Mengetahui",
        "PENYUSUN UJI",
        "PEJABAT UJI",
        "Kepala Bidang Uji $x^2$",
        "NIP. 19800101 200501 1 001",
        "NIP. 19800202 200604 2 002",
        "Bekasi, 2 Desember 2026",
        f"versi terbit {summary['published_version']}",
        summary["fingerprint"],
        control["file_name"],
        f"Halaman {pages} dari {pages}",
    ):
        assert words in text, words
    checksum = query(
        url,
        "select checksum from meta.load_manifest where file_name = %s and status = 'LOADED'",
        (control["file_name"],),
    )[0][0]
    assert checksum in text
    assert not set(NIK_PATTERN.findall(text))


def test_rendered_report_reads_in_indonesian_and_shows_the_marts_totals(warehouse, streak_period, report, rendered):
    _, url = warehouse
    assert len(rendered["pngs"]) >= len(SHEETS) + 2 and all(p.stat().st_size > 5000 for p in rendered["pngs"])
    for kind, text in rendered["text"].items():
        assert not ENGLISH.findall(text), (kind, sorted(set(ENGLISH.findall(text))))
    workbook_text = rendered["text"]["xlsx"]
    totals = query_one(
        url,
        """select sum(persons) as persons, sum(expected_idr) as expected, sum(paid_idr) as paid,
                                      sum(difference_idr) as difference
                               from marts.reconciliation_summary where to_char(period, 'YYYY-MM') = %s""",
        (streak_period,),
    )
    for amount in ("expected", "paid", "difference"):  # the SUM formulas, computed by LibreOffice
        assert rupiah_for_readers(totals[amount]) in workbook_text, amount
        assert rupiah_for_readers(totals[amount]) in rendered["text"]["pdf"], amount
    control = query_one(
        url, "select * from ops.payment_control_totals where to_char(period, 'YYYY-MM') = %s", (streak_period,)
    )
    assert re.search(
        rf"Iuran dibayar neto = pembayaran - restitusi\s+{re.escape(rupiah_for_readers(control['net_paid_idr']))}",
        workbook_text,
    )
    assert re.search(r"Baris seimbang \(file = dimuat \+ dikarantina\)\s+Ya", workbook_text)
    assert "TIDAK" not in workbook_text.replace("TIDAK SEIMBANG", "")
    assert month_id(dt.date.fromisoformat(streak_period + "-01")) in workbook_text
    assert "Halaman 1 dari" in workbook_text


def test_hostile_text_stays_text_masked_and_printable(warehouse, hostile_report):
    """=1+1 and =2+3 are shown as text, never run; quoted names are masked; a bell (0x07) cannot crash."""
    _, url = warehouse
    path = hostile_report["paths"]["xlsx"]
    cells = list(every_cell(path))
    values = [str(cell.value) for _, cell in cells]
    for hostile in ("=1+1", "=2+3", "@SUM(A1)", "+1-1"):
        found = [cell for _, cell in cells if str(cell.value) == hostile or str(cell.value).startswith(hostile + ",")]
        assert found, hostile
        assert all(cell.data_type == "s" and cell.quotePrefix for cell in found), hostile
    formulas = [cell.value for _, cell in cells if cell.data_type == "f"]
    assert formulas and all(
        re.fullmatch(r"=(SUM\([A-Z]+2:[A-Z]+[0-9]+\)|B[0-9]+[+-]B[0-9]+|IF\(.*\))", f) for f in formulas
    )
    joined = "\n".join(values)
    assert "\x07" not in joined and '"ANI"' not in joined and "NURHALIZA" not in joined and "SANTOSO" not in joined
    assert "Sit* An* Nur*" in joined and "Bud* San*" in joined
    assert not any(nik in joined for nik in HOSTILE_NIKS)
    assert all(mask_nik(nik) in joined for nik in HOSTILE_NIKS[1:])  # the quarantined lines' raw text
    exception = next(r for r in sheet_rows(path, "Daftar Pengecualian") if r[12] == "=1+1")
    assert (exception[1], exception[5]) == (NO_KPJ, "NOT_A_PARTICIPANT")
    rendered = render(hostile_report, "karantina")
    assert "=2+3" in rendered["text"]["xlsx"] and "=1+1" in rendered["text"]["xlsx"]
    assert "NURHALIZA" not in rendered["text"]["xlsx"] + rendered["text"]["pdf"]


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ('SITI "ANI" NURHALIZA', "Sit* An* Nur*"),
        ("MA'RUF AMIN", "Mar* Ami*"),
        ("SUKARNO", "Suk*"),
        ("AN NUR", "A* Nu*"),
        ("siti\x07nurhaliza", "Sit* Nur*"),
        ("=HYPERLINK(1)", "Hyp*"),
        ("12345", "*"),
    ],
)
def test_every_name_is_masked(name, masked):
    assert mask_name(name) == masked


def test_a_quarantined_line_is_masked_field_by_field():
    raw = 'K1,2026-10,,3275013112059998,"SITI ""ANI"" NURHALIZA",x 3275013112059997 y,16800'
    masked = mask_raw_line(raw, "3275013112059998", 'SITI "ANI" NURHALIZA')
    assert masked == "K1,2026-10,,327501******9998,Sit* An* Nur*,x 327501******9997 y,16800"
    assert clean_text("A\x07B\tC\x00") == "A\ufffdB\ufffdC\ufffd"


def test_a_failed_write_keeps_the_earlier_files(warehouse, streak_period, signatories, tmp_path):
    _, url = warehouse
    first = build(url, streak_period, tmp_path, signatories=signatories)
    before = {path: path.read_bytes() for path in first["paths"].values()}
    blocker = tmp_path / f".{first['paths']['pdf'].name}.partial"
    blocker.mkdir()  # the PDF cannot be written: the workbook must not be replaced either
    (blocker / "x").write_text("x")
    with pytest.raises(ReportWriteError, match=r"could not write .*earlier files are unchanged"):
        build(url, streak_period, tmp_path, signatories=signatories)
    assert {path: path.read_bytes() for path in first["paths"].values()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [*(p.name for p in first["paths"].values()), blocker.name]
    )


def test_a_wrong_signatories_file_is_one_sentence_before_any_work(
    warehouse, streak_period, tmp_path, monkeypatch, capsys
):
    _, url = warehouse
    bad = tmp_path / "penandatangan.yml"
    bad.write_text(SIGNATORIES.replace("198002022006042002", "12345"))
    with pytest.raises(SignatoryConfigError, match=r"penandatangan.yml: signer 2 'nip' must be 18 digits"):
        build(url, streak_period, tmp_path / "out", signatories=bad)
    monkeypatch.setenv("WAREHOUSE_URL", url)
    monkeypatch.setenv("RENTAN_REPORT_SIGNATORIES", str(tmp_path / "missing.yml"))
    assert cli.main(["report", "--period", streak_period, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rentan: signatories file") and "missing.yml does not exist" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "out").exists()


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
    assert second["summary"]["signatories_are_example"]  # no file configured: the example's placeholders


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


def test_period_summary_lines_show_the_month(warehouse, streak_period):
    _, url = warehouse
    with connect(url) as conn:
        out = "\n".join(period_summary_lines(conn, streak_period))
    paid = query(
        url, "select paid_idr from marts.budget_monthly where to_char(period, 'YYYY-MM') = %s", (streak_period,)
    )[0][0]
    assert "Sesuai" in out and "Belum dibayar" in out and rupiah_for_readers(paid) in out and "headroom" not in out


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

    from rentan.pipeline.assets import MARTS_ASSET
    from rentan.pipeline.dag_policy import REPORT_SCHEDULE

    dag = DagBag(dag_folder=str(DAGS_DIR / "rentan_report.py")).dags["rentan_report"]
    assert type(dag.timetable).__name__ == "AssetOrTimeSchedule"
    assert dag.timetable.asset_condition.name == MARTS_ASSET.name
    assert dag.timetable.timetable.expression == REPORT_SCHEDULE
    assert dag.deadline and dag.params["period"] == ""
    assert [t.task_id for t in dag.tasks] == ["build_report"]


def test_report_task_reports_the_latest_month_when_triggered_by_the_marts(warehouse, tmp_path, monkeypatch, caplog):
    """The task's log says when the example signatories sign, and carries no font-subsetting lines."""
    truth, url = warehouse
    from airflow.dag_processing.dagbag import DagBag

    monkeypatch.setenv("WAREHOUSE_URL", url)
    monkeypatch.setenv("RENTAN_REPORTS", str(tmp_path))
    monkeypatch.delenv("RENTAN_REPORT_SIGNATORIES", raising=False)
    caplog.set_level(logging.DEBUG)
    dag = DagBag(dag_folder=str(DAGS_DIR / "rentan_report.py")).dags["rentan_report"]
    task = dag.get_task("build_report")
    result = task.python_callable(
        params={"period": ""}, dag_run=SimpleNamespace(run_type="asset_triggered"), logical_date=None, dag=dag
    )
    assert result["summary"]["period"] == max(truth["payments"])
    assert all(Path(p).parent == tmp_path for p in result["paths"].values())
    assert any(r.levelno == logging.WARNING and "example signatories" in r.getMessage() for r in caplog.records), (
        caplog.text
    )
    assert not [r for r in caplog.records if r.name.startswith("fontTools")]


def test_report_dag_writes_the_month_through_airflow(warehouse, streak_period, tmp_path, monkeypatch):
    _, url = warehouse
    monkeypatch.setenv("RENTAN_REPORTS", str(tmp_path / "reports"))
    outcome = airflow_runner.run_dag("rentan_report", {"period": streak_period}, url)
    assert outcome.success, outcome.errors
    assert [(t.task_id, t.state) for t in outcome.tasks] == [("build_report", "success")]
    assert outcome.results["build_report"]["summary"]["period"] == streak_period
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == [
        f"laporan_rekonsiliasi_{streak_period}.xlsx",
        f"ringkasan_rekonsiliasi_{streak_period}.pdf",
    ]
    # the DAG the scheduler runs, as stored in the metadata database, keeps its deadline alert
    from airflow.models.serialized_dag import SerializedDagModel

    stored = SerializedDagModel.get_dag("rentan_report")
    assert stored.deadline and all(isinstance(alert_id, str) for alert_id in stored.deadline)


@pytest.mark.slow
def test_airflow_dag_test_still_cannot_finish_a_run_with_a_deadline_alert():
    """Why runner.run_dag runs a CLI run without the deadline alert (docs/decisions/operations-and-stopping.md): Airflow
    3.3.2's dag.test() fails on success (apache/airflow#73428). When this test fails, Airflow
    has fixed it: drop runner._without_deadline_alerts and this test."""
    from sqlalchemy.exc import StatementError

    airflow_runner.start()
    dag = airflow_runner.load_dag("rentan_report")
    assert dag.deadline
    with pytest.raises(StatementError, match="'dict' object has no attribute 'hex'"):
        dag.test(run_conf={"period": ""}, mark_success_pattern="build_report")  # the task is not run


# --- the reader's view: layout, signatures, codes, numbers typed later, a month as of that month ----------
WORD_BOX = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')
PAGE_BOX = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
SIGNER_FILES = {
    "satu": """
tempat: Kota Bekasi
penandatangan:
  - peran: Disetujui oleh
    jabatan: Kepala Badan Keuangan dan Aset Daerah Kota Bekasi selaku Pejabat Pengelola Keuangan Daerah
    nama: DR. H. MUHAMMAD ABDURRAHMAN WAHYUDIN SAPUTRA, S.E., M.Si., Ak., CA.
    nip: "19700315 199503 1 004"
""",
    "tiga_satu_baris": """
tempat: Bekasi
penandatangan:
  - {peran: Disiapkan oleh, jabatan: Analis Keuangan, nama: RINA AGUSTINA, nip: "19850101 201001 2 001"}
  - {peran: Diperiksa oleh, jabatan: Kepala Bidang, nama: BUDI HARTONO, nip: "19800101 200501 1 002"}
  - {peran: Mengetahui, jabatan: Kepala Badan, nama: SITI RAHAYU, nip: "19750101 200001 2 003"}
""",
    "empat_panjang": """
tempat: Bekasi
penandatangan:
  - peran: Disiapkan oleh
    jabatan: Analis Pengelolaan Keuangan APBD Ahli Muda pada Bidang Perbendaharaan dan Akuntansi
    nama: RADEN AYU KUSUMAWARDHANI PRAMESWARI NINGRUM, S.Ak.
    nip: "19900101 201501 2 001"
  - peran: Diperiksa oleh
    jabatan: Kepala Sub Bidang Perbendaharaan Belanja Langsung dan Tidak Langsung
    nama: MUHAMMAD FARHAN ALAUDDIN SYAHPUTRA
    nip: "19850202 201001 1 002"
  - peran: Disetujui oleh
    jabatan: Kepala Bidang Perbendaharaan Badan Keuangan dan Aset Daerah
    nama: HJ. NUR AINI KARTIKASARI, S.E., M.M.
    nip: "19800303 200501 2 003"
  - peran: Mengetahui
    jabatan: Kepala Badan Keuangan dan Aset Daerah Kota Bekasi
    nama: DR. IR. BAMBANG SETIAWAN WICAKSONO, M.T.
    nip: "19700404 199503 1 004"
""",
}


def pdf_words(pdf: Path) -> list[dict]:
    """Every page of the PDF as poppler reads it: its size and each word with its box (points)."""
    html = subprocess.run(
        [tool("pdftotext"), "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True, timeout=120
    ).stdout
    pages = []
    for width, height, body in PAGE_BOX.findall(html):
        words = [
            (float(x0), float(y0), float(x1), float(y1), unescape(text))
            for x0, y0, x1, y1, text in WORD_BOX.findall(body)
        ]
        pages.append({"width": float(width), "height": float(height), "words": words})
    return pages


def layout_problems(pages: list[dict]) -> list[str]:
    """Words outside the page or overlapping another word (more than a hair)."""
    problems = []
    for number, page in enumerate(pages, 1):
        words = sorted(page["words"], key=lambda w: w[1])
        for i, (x0, y0, x1, y1, text) in enumerate(words):
            if x0 < 0 or y0 < 0 or x1 > page["width"] or y1 > page["height"]:
                problems.append(f"page {number}: {text!r} leaves the page")
            for a0, b0, a1, b1, other in words[i + 1 :]:
                if b0 >= y1 - 0.5:
                    break
                if min(x1, a1) - max(x0, a0) > 0.5 and min(y1, b1) - max(y0, b0) > 0.5:
                    problems.append(f"page {number}: {text!r} overlaps {other!r}")
    return problems


def page_texts(pages: list[dict]) -> list[str]:
    return [" ".join(w[4] for w in page["words"]) for page in pages]


@pytest.mark.parametrize("signers", [None, *SIGNER_FILES], ids=["contoh", *SIGNER_FILES])
def test_pdf_fits_its_pages_and_every_signatory_is_on_one(warehouse, streak_period, signers, tmp_path):
    """Text never leaves the page nor runs into other text (pdftotext -bbox), and the whole signature
    block (names and NIPs of 1 to 4 signers, long or short titles) stands on one page."""
    _, url = warehouse
    path = None
    if signers:
        path = tmp_path / "penandatangan.yml"
        path.write_text(SIGNER_FILES[signers])
    result = build(url, streak_period, tmp_path / "out", signatories=path)
    pages = pdf_words(result["paths"]["pdf"])
    assert not layout_problems(pages)
    texts = page_texts(pages)
    last = texts[-1]
    for signer in load_signatories(path).signers:
        assert " ".join(signer.name.split()) in last, signer.name
        nip = signer.nip
        assert f"NIP. {nip[:8]} {nip[8:14]} {nip[14]} {nip[15:]}" in last, nip
    assert re.search(r"Bekasi, 2 Desember 2026", last)
    assert all(f"Halaman {n} dari {len(pages)}" in text for n, text in enumerate(texts, 1))
    png_dir = RENDERED / f"tanda_tangan_{signers or 'contoh'}"
    shutil.rmtree(png_dir, ignore_errors=True)
    png_dir.mkdir(parents=True)
    subprocess.run(
        [tool("pdftoppm"), "-png", "-r", "60", str(result["paths"]["pdf"]), str(png_dir / "pdf")], check=True
    )


def test_no_code_where_a_label_belongs(warehouse, report, rendered):
    """The PDF shows labels only; the workbook shows a code only in a column whose header says Kode."""
    _, url = warehouse
    codes = {
        code
        for (code,) in query(
            url,
            """select code from ops.vocabulary where domain in ('reconciliation_category', 'quarantine_reason',
               'binding_constraint', 'replacement_limit', 'enrollment_status', 'scenario', 'month_kind')""",
        )
    }
    pdf_words_seen = set(re.findall(r"[A-Z][A-Z_]+", rendered["text"]["pdf"]))
    assert not pdf_words_seen & codes, sorted(pdf_words_seen & codes)
    for ws in load_workbook(report["paths"]["xlsx"]):
        headers = {cell.column: str(cell.value or "") for cell in ws[1]}
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str) and cell.value in codes:
                    assert "Kode" in headers.get(cell.column, "") and ws.title != "Ringkasan", (
                        ws.title,
                        cell.coordinate,
                        cell.value,
                    )
    glossary = sheet_rows(report["paths"]["xlsx"], "Keterangan Kode")
    terlambat = next(r for r in glossary if r[1] == "LATE")
    assert terlambat[2] == "Terlambat" and "tanggal" in terlambat[3] and terlambat[4]  # explained, with an action
    assert all(r[3] and r[3] != r[2] and r[4] for r in glossary[1:]), "every code explained, not repeated"


def test_a_number_typed_into_a_cell_later_reads_in_indonesian(report, tmp_path):
    """The rupiah and count formats are fixed, not sized for the value first written: 5000 typed over a
    million reads Rp5.000, not Rp.5.000 (the conditional formats by magnitude do the digit groups)."""
    workbook = load_workbook(report["paths"]["xlsx"])
    ws = workbook["Anggaran Bulanan"]
    ws["D2"], ws["C2"], ws["E2"] = 5000, 1234567, -16800
    path = tmp_path / "diketik.xlsx"
    workbook.save(path)
    out = tmp_path / "render"
    subprocess.run(
        [
            tool("soffice"),
            f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    text = subprocess.run(
        [tool("pdftotext"), "-layout", str(out / "diketik.pdf"), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert re.search(r"Januari 2026\s+Realisasi\s+1\.234\.567\s+Rp5\.000\s+-Rp16\.800", text), text[:3000]
    assert "Rp." not in text and "Rp-" not in text


def test_may_report_is_as_of_may(warehouse, signatories, tmp_path):
    """Every figure of May's report is May's: the budget row, the categories and section 7 (deaths,
    slots, calls, registrations up to May) equal the marts and ops lists as of May; later months are
    projections from May, marked so; nothing of a later month is shown as data."""
    _, url = warehouse
    result = build(url, "2026-05", tmp_path, signatories=signatories)
    may = dt.date(2026, 5, 1)
    budget = query_one(url, "select * from marts.budget_monthly where period = %s", (may,))
    assert result["summary"]["active_participants"] == budget["active_participants"]
    assert result["summary"]["headroom_idr"] == budget["headroom_idr"]
    categories = dict(
        query(url, "select category, persons from marts.reconciliation_summary where period = %s", (may,))
    )
    assert result["summary"]["categories"] == categories
    text = subprocess.run(
        [tool("pdftotext"), "-layout", str(result["paths"]["pdf"]), "-"], check=True, capture_output=True, text=True
    ).stdout
    deaths = query(url, "select count(*) from ops.enrollment where exit_month <= %s", (may,))[0][0]
    called = query(url, "select count(*) from ops.replacement_list where slot_start_month <= %s", (may,))[0][0]
    for label, value in (
        ("Peserta aktif Mei 2026 (orang)", budget["active_participants"]),
        ("Peserta yang meninggal s.d. Mei 2026, menurut data Dukcapil terbaru (orang)", deaths),
        ("Pengganti yang dipanggil untuk slot yang mulai s.d. Mei 2026", called),
    ):
        assert re.search(rf"{re.escape(label)}\s+{value:,}\n".replace(",", "."), text), label
    # One headroom: section 7 repeats section 5's.
    assert text.count(rupiah_for_readers(budget["headroom_idr"])) >= 2
    published = query(url, "select max(published_at) from meta.publish_log")[0][0]
    later = {month_id(dt.date(2026, m, 1)) for m in range(6, 13)} - {month_id(published.date().replace(day=1))}
    assert not [m for m in later if m in text], "a later month in May's PDF"
    rows = sheet_rows(result["paths"]["xlsx"], "Anggaran Bulanan")[1:13]
    assert [r[1] for r in rows] == ["Realisasi"] * 5 + ["Proyeksi"] * 7
    marts = query(
        url, "select active_participants, paid_idr from marts.budget_monthly where period <= %s order by period", (may,)
    )
    assert [(r[2], r[4]) for r in rows[:5]] == marts
    assert all(r[4] is None and r[2] == budget["active_participants"] for r in rows[5:])
    assert rows[-1][5] == budget["projected_year_end_idr"]  # the projection lands on May's year-end figure
