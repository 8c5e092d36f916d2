"""The finance office's monthly workbook (openpyxl), in Bahasa Indonesia, ready to print.

No NIK column anywhere: the KPJ identifies a participant, names are masked ("Sit* Nur*"),
and a quarantined line's raw text shows its NIK and name masked too. Every text cell goes
through `put`: control characters replaced, and text a spreadsheet would run as a formula
(=, +, -, @, tab, CR first) stored as text. Numbers stay numbers, with formats that show
Indonesian digit groups in any Excel; totals a reader checks are formulas.
"""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.formatting.rule import Rule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.styles.numbers import NumberFormat
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from rentan.reports.data import ReportData
from rentan.reports.formatting import (
    DATE_FORMAT,
    NO_KPJ,
    NUMBER_BANDS,
    clean_text,
    count_format,
    date_id,
    is_formula_like,
    mask_name,
    mask_raw_line,
    month_format,
    month_id,
    rupiah_format,
)

TITLE = "Laporan Rekonsiliasi Iuran BPJS Ketenagakerjaan Pekerja Rentan Kota Bekasi"
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
# Arial: in every Excel, and LibreOffice has its metric twin (Liberation Sans).
FONT = "Arial"
BODY = Font(name=FONT, size=10)
BOLD = Font(name=FONT, size=10, bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
LINE_POINTS = 13  # one line of 10-point text
CHARS_PER_WIDTH = 0.9  # characters of 10-point Arial per unit of column width, roughly
PROJECTION_FONT = Font(name=FONT, size=10, italic=True, color="595959")
MAX_CELL_CHARS = 32_000  # Excel refuses a cell longer than 32,767 characters
MARGIN_INCHES = 0.4


@dataclass(frozen=True)
class Formula:
    """A formula cell; `value` is what it computes (it chooses the number format)."""

    text: str
    value: int | str


@dataclass(frozen=True)
class Col:
    header: str
    kind: str = "text"  # text, count, rupiah, date, month, wrap
    width: float = 14


def write_workbook(data: ReportData, path: Path, report_date: dt.date) -> None:
    """Write the month's workbook to `path` (the caller renames it into place)."""
    wb = Workbook()
    wb.remove(wb.active)
    sheets = [
        ("Ringkasan", summary_sheet),
        ("Per Kategori", category_sheet),
        ("Per Kecamatan", kecamatan_sheet),
        ("Daftar Pengecualian", exception_sheet),
        ("Tunggakan Berturut", streak_sheet),
        ("Baris Karantina", quarantine_sheet),
        ("Total Kontrol", control_sheet),
        ("Anggaran Bulanan", budget_sheet),
        ("Sumber Data", source_sheet),
        ("Keterangan Kode", glossary_sheet),
    ]
    for title, fill in sheets:
        ws = wb.create_sheet(title)
        fill(ws, data, report_date) if fill is summary_sheet else fill(ws, data)
        number_bands(ws)
        print_setup(ws, data)
    wb.calculation.fullCalcOnLoad = True  # no cached results: Excel and LibreOffice compute on open
    # Same inputs, same file: no wall-clock time in the document properties.
    stamp = dt.datetime.combine(data.period, dt.time())
    wb.properties.creator = "rentan"
    wb.properties.title = f"{TITLE} {month_id(data.period)}"
    wb.properties.created = wb.properties.modified = stamp
    wb.save(path)


# --- sheets ---------------------------------------------------------------------------------------
def summary_sheet(ws: Worksheet, data: ReportData, report_date: dt.date) -> None:
    """Label / value rows: the document, the month, the budget, capacity, replacements, control totals."""
    budget = data.budget
    put(ws, 1, 1, TITLE).font = Font(name=FONT, bold=True, size=13)
    put(ws, 2, 1, f"Periode: {month_id(data.period)}").font = BOLD
    over = budget["is_projected_over_budget"]
    basis = budget["projection_basis_period"]
    published = data.publication["published_at"] if data.publication else None
    sections = [
        (
            "Dokumen",
            [
                ("Periode laporan", month_id(data.period)),
                ("Dibuat dari data terbit", data.version_text),
                ("Data diterbitkan pada", date_id(published.date()) if published else "-"),
                ("Sidik gabungan file masukan (lihat lembar Sumber Data)", data.fingerprint),
                ("Tanggal laporan", date_id(report_date)),
            ],
        ),
        (
            "Bulan ini",
            [
                ("Peserta aktif", budget["active_participants"]),
                ("Iuran seharusnya", budget["expected_idr"], "rupiah"),
                ("Iuran dibayar (neto, restitusi dikurangkan)", budget["paid_idr"], "rupiah"),
                (
                    "Selisih (dibayar - seharusnya)",
                    budget["difference_idr"],
                    "rupiah",
                    "negatif: kurang dibayar; positif: lebih dibayar",
                ),
                ("Orang dalam daftar pengecualian", len(data.exceptions)),
                (
                    f"Peserta menunggak {data.budget['unpaid_flag_months']} bulan berturut-turut atau lebih",
                    len(data.unpaid_streaks),
                ),
                ("Baris dikarantina di file BPJS", len(data.quarantined)),
            ],
        ),
        (
            "Anggaran",
            [
                ("Anggaran (APBD)", budget["budget_idr"], "rupiah"),
                (f"Anggaran terpakai s.d. {month_id(data.period)}", budget["cumulative_paid_idr"], "rupiah"),
                ("Sisa anggaran", budget["budget_remaining_idr"], "rupiah"),
                ("Proyeksi belanja akhir tahun", budget["projected_year_end_idr"], "rupiah"),
                ("Dasar proyeksi (bulan data terakhir)", month_id(basis) if basis else "-"),
                (
                    f"{data.vocabulary.label('term', 'RUANG_ANGGARAN')} (anggaran - proyeksi)",
                    budget["headroom_idr"],
                    "rupiah",
                ),
                ("Status proyeksi", "MELEBIHI ANGGARAN" if over else "Dalam anggaran"),
            ],
        ),
        (
            "Kapasitas (aturan program bagian 2)",
            [
                ("Kuota", budget["quota"]),
                ("Anggaran", budget["budget_idr"], "rupiah"),
                ("Iuran per bulan", budget["monthly_premium_idr"], "rupiah"),
                (f"Iuran per tahun ({budget['months_covered']} bulan)", budget["annual_premium_idr"], "rupiah"),
                (
                    "Kapasitas menurut anggaran (anggaran / iuran per tahun, dibulatkan ke bawah)",
                    budget["budget_capacity"],
                ),
                ("Kapasitas = min(kuota, kapasitas menurut anggaran)", budget["capacity"]),
                (
                    "Yang membatasi kapasitas",
                    data.vocabulary.label("binding_constraint", budget["binding_constraint"]),
                ),
            ],
        ),
    ]
    if data.replacements:
        sections.append(
            (
                f"Penggantian peserta yang keluar, per {month_id(data.period)} (aturan program bagian 5)",
                [(label, value, "text" if unit == "text" else unit) for label, value, unit in data.replacements],
            )
        )
    row = 3
    for heading, lines in sections:
        row += 1
        put(ws, row, 1, heading).font = BOLD
        for label, value, *rest in lines:
            row += 1
            put(ws, row, 1, label)
            put(ws, row, 2, value, rest[0] if rest else "count")
            if len(rest) > 1:
                put(ws, row, 3, rest[1])
    control_block(ws, data, row + 1)
    ws.column_dimensions["A"].width = 80
    ws.column_dimensions["B"].width = 26
    ws.column_dimensions["C"].width = 46
    for (cell,) in ws.iter_rows(min_col=2, max_col=2):
        cell.alignment = Alignment(horizontal="right")


def control_block(ws: Worksheet, data: ReportData, row: int) -> None:
    """The month's file control totals below `row`, each check a formula the reader can follow."""
    r = data.file_reconciliation
    if not r:
        return
    row += 1
    put(ws, row, 1, f"Total kontrol file BPJS bulan ini: {r['file_name']}").font = BOLD
    at = {}

    def line(key: str, label: str, value, kind: str = "count") -> None:
        nonlocal row
        row += 1
        at[key] = f"B{row}"
        put(ws, row, 1, label)
        put(ws, row, 2, value, kind)

    line("rows", "Baris di file", r["rows_in_file"])
    line("loaded", "Baris dimuat", r["rows_loaded"])
    line("quarantined", "Baris dikarantina", r["rows_quarantined"])
    line(
        "rows_check",
        "Pemeriksaan baris: dimuat + dikarantina",
        Formula(f"={at['loaded']}+{at['quarantined']}", r["rows_loaded"] + r["rows_quarantined"]),
    )
    line(
        "rows_ok",
        "Baris seimbang (file = dimuat + dikarantina)",
        Formula(f'=IF({at["rows"]}={at["rows_check"]},"Ya","TIDAK")', "Ya"),
        "text",
    )
    line(
        "file_total", "Total rupiah file (setiap total_iuran yang terbaca sebagai angka)", r["file_total_idr"], "rupiah"
    )
    line(
        "q_total",
        "Rupiah di baris dikarantina (tidak dihitung sebagai pembayaran)",
        r["quarantined_total_idr"],
        "rupiah",
    )
    line("l_total", "Rupiah di baris dimuat", r["loaded_total_idr"], "rupiah")
    line(
        "amount_check",
        "Pemeriksaan rupiah: dimuat + dikarantina",
        Formula(f"={at['l_total']}+{at['q_total']}", r["loaded_total_idr"] + r["quarantined_total_idr"]),
        "rupiah",
    )
    line(
        "amount_ok",
        "Rupiah seimbang (file = dimuat + dikarantina)",
        Formula(f'=IF({at["file_total"]}={at["amount_check"]},"Ya","TIDAK")', "Ya"),
        "text",
    )
    line("payments", "Baris dimuat: pembayaran (PEMBAYARAN)", r["payments_idr"], "rupiah")
    line("refunds", f"Baris dimuat: restitusi (RESTITUSI, {r['refund_lines']} baris)", r["refunds_idr"], "rupiah")
    line(
        "net",
        "Iuran dibayar neto = pembayaran - restitusi",
        Formula(f"={at['payments']}-{at['refunds']}", r["net_paid_idr"]),
        "rupiah",
    )
    line(
        "unparsed",
        "Baris dikarantina yang jumlahnya tidak terbaca (tidak masuk total rupiah)",
        r["unparsed_amount_rows"],
    )
    line("status", "Status total kontrol", "Seimbang" if r["balanced"] else "TIDAK SEIMBANG", "text")


def category_sheet(ws: Worksheet, data: ReportData) -> None:
    words = data.vocabulary
    rows = [
        [
            words.label("reconciliation_category", c["category"]),
            c["category"],
            c["persons"],
            c["expected_idr"],
            c["paid_idr"],
            c["difference_idr"],
            c["payment_lines"],
            c["refunded_idr"],
            words.action("reconciliation_category", c["category"]),
        ]
        for c in data.categories
    ]
    table(
        ws,
        [
            Col("Kategori", width=26),
            Col("Kode kategori", width=20),
            Col("Orang", "count", 9),
            Col("Iuran seharusnya", "rupiah", 16),
            Col("Dibayar (neto)", "rupiah", 16),
            Col("Selisih (dibayar - seharusnya)", "rupiah", 17),
            Col("Baris pembayaran", "count", 11),
            Col("Restitusi", "rupiah", 13),
            Col("Tindak lanjut", "wrap", 44),
        ],
        rows,
        total_columns=(3, 4, 5, 6, 7, 8),
    )


def kecamatan_sheet(ws: Worksheet, data: ReportData) -> None:
    rows = [
        [
            k["kode_kecamatan"] or "-",
            k["nama_kecamatan"] or data.vocabulary.label("area", "UNKNOWN"),
            k["persons"],
            k["expected_idr"],
            k["paid_idr"],
            k["difference_idr"],
            k["exceptions"] or 0,
        ]
        for k in data.kecamatan
    ]
    table(
        ws,
        [
            Col("Kode kecamatan", width=12),
            Col("Kecamatan", width=36),
            Col("Orang", "count", 10),
            Col("Iuran seharusnya", "rupiah", 17),
            Col("Dibayar (neto)", "rupiah", 17),
            Col("Selisih (dibayar - seharusnya)", "rupiah", 17),
            Col("Pengecualian (orang, bukan Sesuai)", "count", 16),
        ],
        rows,
        total_columns=(3, 4, 5, 6, 7),
    )


def exception_sheet(ws: Worksheet, data: ReportData) -> None:
    rows = [
        [
            i,
            e["kpj"] or NO_KPJ,
            mask_name(e["nama"]),
            e["nama_kecamatan"] or data.vocabulary.label("area", "UNKNOWN"),
            data.vocabulary.label("reconciliation_category", e["category"]),
            e["category"],
            e["expected_idr"],
            e["paid_idr"],
            e["difference_idr"],
            e["payment_lines"],
            e["last_paid_date"],
            e["died_on"],
            e["kode_iuran_list"] or "-",
        ]
        for i, e in enumerate(data.exceptions, 1)
    ]
    table(
        ws,
        [
            Col("No", "count", 6),
            Col("KPJ", "wrap", 14),
            Col("Nama (disamarkan)", width=20),
            Col("Kecamatan", width=18),
            Col("Kategori", width=22),
            Col("Kode kategori", width=19),
            Col("Iuran seharusnya", "rupiah", 12),
            Col("Dibayar (neto)", "rupiah", 12),
            Col("Selisih (dibayar - seharusnya)", "rupiah", 13),
            Col("Baris pembayaran", "count", 10),
            Col("Tanggal bayar terakhir", "date", 12),
            Col("Tanggal meninggal", "date", 12),
            Col("Kode iuran", "wrap", 16),
        ],
        rows,
        total_columns=(7, 8, 9),
    )


def streak_sheet(ws: Worksheet, data: ReportData) -> None:
    rows = [
        [
            s["kpj"] or NO_KPJ,
            mask_name(s["nama"]),
            s["nama_kecamatan"] or data.vocabulary.label("area", "UNKNOWN"),
            s["first_unpaid_period"],
            s["consecutive_unpaid_months"],
            "Ya" if s["is_bpjs_deactivation_due"] else "Belum",
            s["unpaid_idr"],
        ]
        for s in data.unpaid_streaks
    ]
    table(
        ws,
        [
            Col("KPJ", "wrap", 14),
            Col("Nama (disamarkan)", width=22),
            Col("Kecamatan", width=24),
            Col("Menunggak sejak", "month", 16),
            Col("Bulan berturut-turut", "count", 12),
            Col(f"Dinonaktifkan BPJS ({data.budget['bpjs_lapse_months']} bulan)", width=15),
            Col("Tunggakan", "rupiah", 15),
        ],
        rows,
        total_columns=(7,),
    )


def quarantine_sheet(ws: Worksheet, data: ReportData) -> None:
    rows = [
        [
            q["file_name"],
            q["line_no"],
            q["reason_code"],
            data.vocabulary.label("quarantine_reason", q["reason_code"]),
            q["column_name"] or "-",
            q["total_iuran_text"] or "",
            q["total_iuran_idr"],
            "Ya" if q["amount_parses"] else "Tidak (teks asli)",
            mask_raw_line(q["raw_line"], q["nik_as_delivered"], q["nama"]),
        ]
        for q in data.quarantined
    ]
    table(
        ws,
        [
            Col("File", width=32),
            Col("Baris", "count", 7),
            Col("Kode alasan", width=17),
            Col("Alasan", "wrap", 24),
            Col("Kolom", width=12),
            Col("total_iuran (teks asli)", width=13),
            Col("total_iuran (Rp)", "rupiah", 13),
            Col("Masuk total rupiah file", width=12),
            Col("Teks asli (NIK dan nama disamarkan)", "wrap", 60),
        ],
        rows,
        total_columns=(7,),
    )


def control_sheet(ws: Worksheet, data: ReportData) -> None:
    rows = []
    for n, c in enumerate(data.control_totals, 2):
        rows.append(
            [
                c["period"],
                c["file_name"],
                c["rows_in_file"],
                c["rows_loaded"],
                c["rows_quarantined"],
                Formula(f'=IF(C{n}=D{n}+E{n},"Ya","TIDAK")', "Ya" if c["rows_balance"] else "TIDAK"),
                c["file_total_idr"],
                c["loaded_total_idr"],
                c["quarantined_total_idr"],
                Formula(f'=IF(G{n}=H{n}+I{n},"Ya","TIDAK")', "Ya" if c["amounts_balance"] else "TIDAK"),
                c["unparsed_amount_rows"],
                "Ya" if c["warehouse_matches_file"] else "TIDAK",
                c["net_paid_idr"],
            ]
        )
    table(
        ws,
        [
            Col("Periode", "month", 15),
            Col("File", width=32),
            Col("Baris di file", "count", 10),
            Col("Baris dimuat", "count", 10),
            Col("Baris dikarantina", "count", 11),
            Col("Baris seimbang", width=10),
            Col("Total rupiah file", "rupiah", 15),
            Col("Rupiah dimuat", "rupiah", 15),
            Col("Rupiah dikarantina", "rupiah", 13),
            Col("Rupiah seimbang", width=10),
            Col("Baris jumlah tak terbaca", "count", 11),
            Col("Gudang data = file", width=10),
            Col("Dibayar neto", "rupiah", 15),
        ],
        rows,
        total_columns=(3, 4, 5, 7, 8, 9, 11, 13),
    )


def budget_sheet(ws: Worksheet, data: ReportData) -> None:
    """Every month of the programme year: actual up to the report's month, projected after it (as of
    the report's month, marked in the Jenis column and in grey italics)."""
    words = data.vocabulary
    year = data.budget_year
    rows = [
        [
            b["period"],
            words.label("month_kind", "PROJECTION" if b["is_projection"] else "ACTUAL"),
            b["active_participants"],
            b["expected_idr"],
            b["paid_idr"],
            b["cumulative_paid_idr"],
            b["budget_remaining_idr"],
            b["projected_year_end_idr"],
            b["headroom_idr"],
        ]
        for b in year
    ]
    table(
        ws,
        [
            Col("Bulan", "month", 16),
            Col("Jenis", width=11),
            Col("Peserta aktif", "count", 10),
            Col("Iuran seharusnya", "rupiah", 15),
            Col("Dibayar (neto)", "rupiah", 15),
            Col("Terpakai kumulatif", "rupiah", 16),
            Col("Sisa anggaran", "rupiah", 17),
            Col("Proyeksi belanja akhir tahun menurut data bulan itu", "rupiah", 19),
            Col(f"{words.label('term', 'RUANG_ANGGARAN')} (anggaran - proyeksi)", "rupiah", 17),
        ],
        rows,
        total_columns=(5,),
    )
    for r, b in enumerate(year, 2):
        if b["is_projection"]:
            for (cell,) in ws.iter_cols(min_row=r, max_row=r, min_col=1, max_col=len(rows[0])):
                cell.font = PROJECTION_FONT
    note = ws.max_row + 2
    put(ws, note, 1, f"{words.label('month_kind', 'PROJECTION')}: {words.meaning('month_kind', 'PROJECTION')}")


def source_sheet(ws: Worksheet, data: ReportData) -> None:
    """Which published version and which delivered files the report was made from."""
    rows = [
        [data.vocabulary.label("feed", f["feed"]), f["file_name"], f["snapshot_date"], f["rows_read"], f["checksum"]]
        for f in data.input_files
    ]
    table(
        ws,
        [
            Col("Sumber data", width=34),
            Col("File", width=48),
            Col("Tanggal data", "date", 12),
            Col("Baris dibaca", "count", 11),
            Col("Checksum SHA-256 file", width=68),
        ],
        rows,
    )
    row = ws.max_row + 2
    published = data.publication
    notes = [
        ("Versi data terbit", data.version_text, "meta.publish_log: versi ops dan marts yang dibaca laporan ini"),
        (
            "Diterbitkan pada",
            f"{date_id(published['published_at'].date())} pukul {published['published_at']:%H.%M} WIB"
            if published
            else "-",
            "",
        ),
        ("Run transformasi", published["run_id"] if published else "-", ""),
        (
            "Sidik gabungan",
            data.fingerprint,
            "16 karakter awal SHA-256 atas jenis, nama dan checksum setiap file di atas",
        ),
    ]
    for offset, (label, value, note) in enumerate(notes):
        put(ws, row + offset, 1, label).font = BOLD
        put(ws, row + offset, 2, value)
        put(ws, row + offset, 5, note)


GLOSSARY_DOMAINS = (
    "reconciliation_category",
    "quarantine_reason",
    "transaction_type",
    "binding_constraint",
    "replacement_limit",
    "enrollment_status",
    "month_kind",
    "term",
)


def glossary_sheet(ws: Worksheet, data: ReportData) -> None:
    """Every code the workbook shows: its label, what it means and what to do (ops.vocabulary)."""
    words = data.vocabulary
    rows = [
        [words.label("domain", domain), entry.code, entry.label, entry.meaning, entry.action]
        for domain in GLOSSARY_DOMAINS
        for entry in words.domain(domain)
    ]
    table(
        ws,
        [
            Col("Jenis", width=20),
            Col("Kode", width=22),
            Col("Label", "wrap", 24),
            Col("Arti", "wrap", 52),
            Col("Tindak lanjut", "wrap", 48),
        ],
        rows,
    )


# --- cells, tables and printing ---------------------------------------------------------------------
def put(ws: Worksheet, row: int, column: int, value, kind: str = "count"):
    """Write one cell safely: numbers with locale-proof formats, text never as a formula."""
    cell = ws.cell(row, column)
    cell.font = BODY
    if isinstance(value, Formula):
        cell.value = value.text
        shown = value.value
    else:
        shown = value
        if isinstance(value, str):
            value = clean_text(value)[:MAX_CELL_CHARS]
        cell.value = value
        if isinstance(value, str) and is_formula_like(value):
            cell.data_type = "s"
            cell.quotePrefix = True
    if isinstance(shown, bool):
        cell.value = "Ya" if shown else "Tidak"
    elif isinstance(shown, dt.date):
        cell.number_format = month_format(shown) if kind == "month" else DATE_FORMAT
    elif isinstance(shown, int | float | decimal.Decimal):
        cell.number_format = rupiah_format() if kind == "rupiah" else count_format()
    cell.alignment = WRAP if kind == "wrap" else TOP
    return cell


def table(ws: Worksheet, columns: list[Col], rows: list[list], total_columns=()) -> None:
    """A header row, data rows, and (when there are rows) a 'Jumlah' row of SUM formulas."""
    for index, column in enumerate(columns, 1):
        cell = put(ws, 1, index, column.header)
        cell.font, cell.fill = BOLD, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.row_dimensions[1].height = LINE_POINTS * lines_needed(columns, [c.header for c in columns], wrap_all=True)
    for r, row in enumerate(rows, 2):
        for c, (value, column) in enumerate(zip(row, columns, strict=True), 1):
            if value is not None:
                put(ws, r, c, value, column.kind)
        lines = lines_needed(columns, row)
        if lines > 1:
            ws.row_dimensions[r].height = LINE_POINTS * lines
    if not rows:
        put(ws, 2, 1, "(tidak ada)")
        return
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"
    if total_columns:
        total_row = len(rows) + 2
        put(ws, total_row, 1, "Jumlah").font = BOLD
        for c in total_columns:
            letter = get_column_letter(c)
            value = sum(row[c - 1] or 0 for row in rows)
            put(
                ws, total_row, c, Formula(f"=SUM({letter}2:{letter}{total_row - 1})", value), columns[c - 1].kind
            ).font = BOLD


def number_bands(ws: Worksheet) -> None:
    """The sheet's digit groups by magnitude, as conditional formats on its number cells.

    Each number cell has one fixed base format (no digit groups); these rules, the same on
    every sheet, add the groups for values of 1.000 and more (or -1.000 and less), so a number
    a reader types into a cell later reads with Indonesian dots too.
    """
    cells: dict[str, list[tuple[int, int]]] = {"rupiah": [], "count": []}
    base = {rupiah_format(): "rupiah", count_format(): "count"}
    for column in ws.iter_cols():
        for cell in column:
            kind = base.get(cell.number_format)
            if kind:
                cells[kind].append((cell.column, cell.row))
    for kind, coordinates in cells.items():
        if not coordinates:
            continue
        ranges = cell_ranges(coordinates)
        make = rupiah_format if kind == "rupiah" else count_format
        for limit, groups in NUMBER_BANDS:
            style = DifferentialStyle(numFmt=NumberFormat(numFmtId=FORMAT_IDS[kind] + groups, formatCode=make(groups)))
            for operator, bound in (("greaterThanOrEqual", limit), ("lessThanOrEqual", -limit)):
                ws.conditional_formatting.add(
                    ranges, Rule(type="cellIs", operator=operator, formula=[str(bound)], dxf=style, stopIfTrue=True)
                )


def cell_ranges(cells: list[tuple[int, int]]) -> str:
    """(column, row) cells as Excel ranges, runs of rows in one column joined: 'C2:C40 E2:E40'."""
    runs: list[list[int]] = []  # [column, first row, last row]
    for column, row in sorted(cells):
        if runs and runs[-1][0] == column and runs[-1][2] == row - 1:
            runs[-1][2] = row
        else:
            runs.append([column, row, row])
    return " ".join(
        f"{get_column_letter(c)}{first}" + (f":{get_column_letter(c)}{last}" if last > first else "")
        for c, first, last in runs
    )


# Number format ids of the conditional formats (custom ids start at 164 in Excel).
FORMAT_IDS = {"rupiah": 200, "count": 220}


def lines_needed(columns: list[Col], values: list, wrap_all: bool = False) -> int:
    """How many lines the row's wrapped cells take (spreadsheets do not grow a row for wrapped text)."""
    lines = 1
    for column, value in zip(columns, values, strict=True):
        if value is not None and (wrap_all or column.kind == "wrap"):
            per_line = max(int(column.width * CHARS_PER_WIDTH), 1)
            lines = max(lines, sum(-(-max(len(part), 1) // per_line) for part in str(value).split("\n")))
    return min(lines, 15)


def print_setup(ws: Worksheet, data: ReportData) -> None:
    """A4 landscape, fit to the page width, header row on every page, page numbers, period and version."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.page_margins.left = ws.page_margins.right = MARGIN_INCHES
    ws.print_options.gridLines = True
    if ws.title != "Ringkasan":
        ws.print_title_rows = "1:1"
    ws.oddHeader.center.text = f"&B{TITLE}&B - {ws.title}"
    ws.oddHeader.center.size = 9
    ws.oddFooter.left.text = f"Periode {month_id(data.period)} - {data.version_text} - sidik {data.fingerprint}"
    ws.oddFooter.center.text = "Halaman &P dari &N"
    ws.oddFooter.right.text = "Rahasia: hanya untuk bagian keuangan"
    for part in (ws.oddFooter.left, ws.oddFooter.center, ws.oddFooter.right):
        part.size = 8
