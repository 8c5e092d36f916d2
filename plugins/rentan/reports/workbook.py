"""The finance office's monthly workbook (openpyxl), in Bahasa Indonesia.

No NIK column anywhere: the KPJ identifies a participant, names are masked ("Sit* Nur*"),
and a quarantined line's raw text shows its NIK and name masked too.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from rentan.reports.data import ReportData
from rentan.reports.formatting import (
    BINDING_ID,
    REPLACEMENT_LIMIT_ID,
    RUPIAH_FORMAT,
    mask_name,
    mask_raw_line,
    month_id,
)

TITLE = "Laporan Rekonsiliasi Iuran BPJS Ketenagakerjaan Pekerja Rentan Kota Bekasi"
DATE_FORMAT = "yyyy-mm-dd"
MONTH_FORMAT = "mmm yyyy"
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
BOLD = Font(bold=True)
MAX_COLUMN_WIDTH = 60
UNKNOWN_KECAMATAN = "(di luar Kota Bekasi / tidak diketahui)"


def write_workbook(data: ReportData, path: Path) -> None:
    """Write the month's workbook to `path` (the caller renames it into place)."""
    wb = Workbook()
    wb.remove(wb.active)
    summary_sheet(wb.create_sheet("Ringkasan"), data)
    category_sheet(wb.create_sheet("Per Kategori"), data)
    kecamatan_sheet(wb.create_sheet("Per Kecamatan"), data)
    exception_sheet(wb.create_sheet("Daftar Pengecualian"), data)
    streak_sheet(wb.create_sheet("Tunggakan Berturut"), data)
    quarantine_sheet(wb.create_sheet("Baris Karantina"), data)
    control_sheet(wb.create_sheet("Total Kontrol"), data)
    budget_sheet(wb.create_sheet("Anggaran Bulanan"), data)
    # Same inputs, same file: no wall-clock time in the document properties.
    stamp = dt.datetime.combine(data.period, dt.time())
    wb.properties.creator = "rentan"
    wb.properties.created = wb.properties.modified = stamp
    wb.save(path)


# --- sheets ---------------------------------------------------------------------------------------
def summary_sheet(ws, data: ReportData) -> None:
    """Label / value rows: the month, the budget, the capacity arithmetic, what needs attention."""
    budget, control = data.budget, data.control_total
    ws.append([TITLE])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([f"Periode: {month_id(data.period)}"])
    over = budget["is_projected_over_budget"]
    basis = budget["projection_basis_period"]
    sections = [
        ("Bulan ini", [
            ("Peserta aktif", budget["active_participants"], None),
            ("Iuran seharusnya", budget["expected_idr"], RUPIAH_FORMAT),
            ("Iuran dibayar (neto, restitusi dikurangkan)", budget["paid_idr"], RUPIAH_FORMAT),
            ("Selisih (dibayar - seharusnya)", budget["difference_idr"], RUPIAH_FORMAT),
            ("Orang dalam daftar pengecualian", len(data.exceptions), None),
            (f"Peserta menunggak {budget['unpaid_flag_months']} bulan berturut-turut atau lebih",
             len(data.unpaid_streaks), None),
            ("Baris dikarantina di file BPJS", len(data.quarantined), None),
        ]),
        ("Anggaran", [
            ("Anggaran (APBD)", budget["budget_idr"], RUPIAH_FORMAT),
            ("Anggaran terpakai s.d. bulan ini", budget["cumulative_paid_idr"], RUPIAH_FORMAT),
            ("Sisa anggaran", budget["budget_remaining_idr"], RUPIAH_FORMAT),
            ("Proyeksi belanja akhir tahun", budget["projected_year_end_idr"], RUPIAH_FORMAT),
            ("Dasar proyeksi (bulan data terakhir)", month_id(basis) if basis else "-", None),
            ("Headroom (anggaran - proyeksi)", budget["headroom_idr"], RUPIAH_FORMAT),
            ("Status proyeksi", "MELEBIHI ANGGARAN" if over else "Dalam anggaran", None),
        ]),
        ("Kapasitas (aturan program bagian 2)", [
            ("Kuota", budget["quota"], None),
            ("Anggaran", budget["budget_idr"], RUPIAH_FORMAT),
            ("Iuran per bulan", budget["monthly_premium_idr"], RUPIAH_FORMAT),
            (f"Iuran per tahun ({budget['months_covered']} bulan)", budget["annual_premium_idr"], RUPIAH_FORMAT),
            ("Kapasitas menurut anggaran (anggaran / iuran per tahun, dibulatkan ke bawah)",
             budget["budget_capacity"], None),
            ("Kapasitas = min(kuota, kapasitas menurut anggaran)", budget["capacity"], None),
            ("Batasan yang mengikat", BINDING_ID.get(budget["binding_constraint"], budget["binding_constraint"]),
             None),
        ]),
    ]
    if data.replacements:
        r = data.replacements
        sections.append(("Penggantian peserta (slot kosong)", [
            ("Peserta aktif saat ini", r["active_participants"], None),
            ("Slot yang dibebaskan (satu per peserta yang keluar)", r["free_slots"], None),
            ("Pengganti yang dipanggil", r["replacements"], None),
            ("  sudah terdaftar di BPJS", r["registered"], None),
            ("  belum terdaftar", r["pending"], None),
            ("Slot belum terisi", r["unfilled_slots"], None),
            ("Headroom sebelum pengganti", r["headroom_before_replacements_idr"], RUPIAH_FORMAT),
            ("Biaya pengganti yang dipanggil", r["replacements_cost_idr"], RUPIAH_FORMAT),
            (f"Biaya satu pengganti lagi ({r['remaining_months']} bulan tersisa)", r["cost_per_replacement_idr"],
             RUPIAH_FORMAT),
            ("Pengganti tambahan yang masih dapat dibiayai headroom", r["budget_slots"], None),
            ("Kandidat daftar tunggu yang masih layak", r["eligible_waitlist_count"], None),
            ("Dibatasi oleh", REPLACEMENT_LIMIT_ID.get(r["replacement_limit"], r["replacement_limit"]), None),
        ]))
    if control:
        balanced = control["rows_balance"] and control["amounts_balance"] and control["warehouse_matches_file"]
        sections.append(("Total kontrol file BPJS bulan ini", [
            ("File", control["file_name"], None),
            ("Baris di file = dimuat + dikarantina", f"{control['rows_in_file']} = {control['rows_loaded']} + "
             f"{control['rows_quarantined']}", None),
            ("Total rupiah file", control["file_total_idr"], RUPIAH_FORMAT),
            ("Status", "Seimbang" if balanced else "TIDAK SEIMBANG", None),
        ]))
    for heading, rows in sections:
        ws.append([])
        ws.append([heading])
        ws.cell(ws.max_row, 1).font = BOLD
        for label, value, number_format in rows:
            ws.append([label, value])
            if number_format:
                ws.cell(ws.max_row, 2).number_format = number_format
    ws.column_dimensions["A"].width = 75
    ws.column_dimensions["B"].width = 24
    for row in ws.iter_rows(min_col=2, max_col=2):
        row[0].alignment = Alignment(horizontal="right")


def category_sheet(ws, data: ReportData) -> None:
    rows = [[c["category_label"], c["category"], c["persons"], c["expected_idr"], c["paid_idr"],
             c["difference_idr"], c["payment_lines"], c["refunded_idr"]] for c in data.categories]
    totals = ["Jumlah", "", *(sum(r[i] for r in rows) for i in range(2, 8))]
    table(ws, ["Kategori", "Kode", "Orang", "Iuran seharusnya", "Dibayar (neto)", "Selisih", "Baris pembayaran",
               "Restitusi"], [*rows, totals], rupiah_columns=(4, 5, 6, 8))
    for cell in ws[ws.max_row]:
        cell.font = BOLD


def kecamatan_sheet(ws, data: ReportData) -> None:
    rows = [[k["kode_kecamatan"] or "", k["nama_kecamatan"] or UNKNOWN_KECAMATAN, k["persons"], k["expected_idr"],
             k["paid_idr"], k["difference_idr"], k["exceptions"] or 0] for k in data.kecamatan]
    table(ws, ["Kode kecamatan", "Kecamatan", "Orang", "Iuran seharusnya", "Dibayar (neto)", "Selisih",
               "Pengecualian (bukan Sesuai)"], rows, rupiah_columns=(4, 5, 6))


def exception_sheet(ws, data: ReportData) -> None:
    rows = [[i, e["kpj"] or "", mask_name(e["nama"]), e["nama_kecamatan"] or UNKNOWN_KECAMATAN,
             e["category_label"], e["expected_idr"], e["paid_idr"], e["difference_idr"], e["payment_lines"],
             e["last_paid_date"], e["died_on"], e["kode_iuran_list"] or ""]
            for i, e in enumerate(data.exceptions, 1)]
    table(ws, ["No", "KPJ", "Nama (disamarkan)", "Kecamatan", "Kategori", "Iuran seharusnya", "Dibayar (neto)",
               "Selisih", "Baris pembayaran", "Tgl bayar terakhir", "Tgl meninggal", "Kode iuran"],
          rows, rupiah_columns=(6, 7, 8), date_columns=(10, 11))


def streak_sheet(ws, data: ReportData) -> None:
    rows = [[s["kpj"] or "", mask_name(s["nama"]), s["nama_kecamatan"] or UNKNOWN_KECAMATAN,
             s["first_unpaid_period"], s["consecutive_unpaid_months"],
             "Ya" if s["is_bpjs_deactivation_due"] else "Belum", s["unpaid_idr"]] for s in data.unpaid_streaks]
    table(ws, ["KPJ", "Nama (disamarkan)", "Kecamatan", "Menunggak sejak", "Bulan berturut-turut",
               f"Dinonaktifkan BPJS ({data.budget['bpjs_lapse_months']} bulan)", "Tunggakan"], rows,
          rupiah_columns=(7,), month_columns=(4,))


def quarantine_sheet(ws, data: ReportData) -> None:
    rows = [[q["file_name"], q["line_no"], q["reason_code"], q["column_name"] or "", q["total_iuran_text"] or "",
             q["total_iuran_idr"], "Ya" if q["amount_parses"] else "Tidak (teks asli)",
             mask_raw_line(q["raw_line"], q["nik_as_delivered"], q["nama"])] for q in data.quarantined]
    table(ws, ["File", "Baris", "Alasan", "Kolom", "total_iuran (teks)", "total_iuran (Rp)",
               "Masuk total rupiah file", "Teks asli (NIK dan nama disamarkan)"], rows, rupiah_columns=(6,))


def control_sheet(ws, data: ReportData) -> None:
    rows = [[c["period"], c["file_name"], c["rows_in_file"], c["rows_loaded"], c["rows_quarantined"],
             yes_no(c["rows_balance"]), c["file_total_idr"], c["loaded_total_idr"], c["quarantined_total_idr"],
             yes_no(c["amounts_balance"]), c["unparsed_amount_rows"], yes_no(c["warehouse_matches_file"]),
             c["net_paid_idr"]] for c in data.control_totals]
    table(ws, ["Periode", "File", "Baris di file", "Baris dimuat", "Baris dikarantina", "Baris seimbang",
               "Total rupiah file", "Rupiah dimuat", "Rupiah dikarantina", "Rupiah seimbang",
               "Baris jumlah tak terbaca", "Gudang data = file", "Dibayar neto"],
          rows, rupiah_columns=(7, 8, 9, 13), month_columns=(1,))


def budget_sheet(ws, data: ReportData) -> None:
    rows = [[b["period"], b["active_participants"], b["expected_idr"], b["paid_idr"], b["cumulative_paid_idr"],
             b["budget_remaining_idr"], b["projected_year_end_idr"], b["headroom_idr"],
             "Ya" if b["has_payment_data"] else "Belum"] for b in data.budget_months]
    table(ws, ["Bulan", "Peserta aktif", "Iuran seharusnya", "Dibayar (neto)", "Terpakai kumulatif",
               "Sisa anggaran", "Proyeksi akhir tahun", "Headroom", "Ada data pembayaran"],
          rows, rupiah_columns=(3, 4, 5, 6, 7, 8), month_columns=(1,))


# --- helpers -------------------------------------------------------------------------------------
def yes_no(flag: bool) -> str:
    return "Ya" if flag else "TIDAK"


def table(ws, headers: list[str], rows: list[list], rupiah_columns=(), date_columns=(), month_columns=()) -> None:
    """A header row and data rows, with rupiah/date formats, a frozen header and a filter."""
    ws.append(headers)
    for cell in ws[1]:
        cell.font, cell.fill = BOLD, HEADER_FILL
    for row in rows:
        ws.append(row)
    if not rows:
        ws.append(["(tidak ada)"])
    formats = {**dict.fromkeys(rupiah_columns, RUPIAH_FORMAT), **dict.fromkeys(date_columns, DATE_FORMAT),
               **dict.fromkeys(month_columns, MONTH_FORMAT)}
    for column, number_format in formats.items():
        for (cell,) in ws.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = number_format
    ws.freeze_panes = "A2"
    if rows:
        ws.auto_filter.ref = ws.dimensions
    for index, header in enumerate(headers, 1):
        longest = max([len(header), *(len(str(r[index - 1])) for r in rows if r[index - 1] is not None)])
        ws.column_dimensions[get_column_letter(index)].width = min(longest + 2, MAX_COLUMN_WIDTH)
