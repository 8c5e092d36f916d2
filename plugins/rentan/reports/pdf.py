"""The one-page PDF the finance office signs: key figures, budget realisation chart, signatures."""

from __future__ import annotations

from pathlib import Path

import matplotlib
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from rentan.reports.data import ReportData
from rentan.reports.formatting import BINDING_ID, month_id, number, rupiah
from rentan.reports.workbook import TITLE

A4_INCHES = (8.27, 11.69)
MILLION = 1_000_000
SIGNERS = ("Disiapkan oleh", "Diperiksa oleh", "Mengetahui")
# TrueType (not Type 3) fonts keep the text searchable and extractable.
PDF_STYLE = {"pdf.fonttype": 42, "font.family": "DejaVu Sans", "font.size": 9}


def write_pdf(data: ReportData, path: Path) -> None:
    """Write the month's summary PDF to `path` (the caller renames it into place)."""
    with matplotlib.rc_context(PDF_STYLE):
        fig = Figure(figsize=A4_INCHES)
        fig.text(0.5, 0.965, TITLE, ha="center", fontsize=11, weight="bold")
        fig.text(0.5, 0.945, f"Ringkasan periode {month_id(data.period)}", ha="center", fontsize=10)
        key_figures(fig, data)
        category_table(fig, data)
        realisation_chart(fig.add_axes((0.12, 0.235, 0.83, 0.215)), data)
        signature_block(fig)
        # No CreationDate: the same month's data always gives the same file.
        with PdfPages(path, metadata={"Title": f"{TITLE} {month_id(data.period)}", "Creator": "rentan",
                                      "CreationDate": None}) as pdf:
            pdf.savefig(fig)


def key_figures(fig: Figure, data: ReportData) -> None:
    """Two columns of label: value lines, the month on the left, the year and capacity on the right."""
    b = data.budget
    month = [
        ("Peserta aktif", number(b["active_participants"])),
        ("Iuran seharusnya", rupiah(b["expected_idr"])),
        ("Iuran dibayar (neto)", rupiah(b["paid_idr"])),
        ("Selisih", rupiah(b["difference_idr"])),
        ("Pengecualian", number(len(data.exceptions))),
        (f"Menunggak >= {b['unpaid_flag_months']} bulan", number(len(data.unpaid_streaks))),
        ("Baris dikarantina", number(len(data.quarantined))),
    ]
    year = [
        ("Anggaran", rupiah(b["budget_idr"])),
        ("Terpakai s.d. bulan ini", rupiah(b["cumulative_paid_idr"])),
        ("Sisa anggaran", rupiah(b["budget_remaining_idr"])),
        ("Proyeksi akhir tahun", rupiah(b["projected_year_end_idr"])),
        ("Headroom", rupiah(b["headroom_idr"])),
        ("Kapasitas", f"{number(b['capacity'])} (batasan: "
                      f"{BINDING_ID.get(b['binding_constraint'], b['binding_constraint'])})"),
        ("Kuota / iuran per tahun", f"{number(b['quota'])} / {rupiah(b['annual_premium_idr'])}"),
    ]
    for x, heading, rows in ((0.06, "Bulan ini", month), (0.53, "Tahun program", year)):
        fig.text(x, 0.905, heading, weight="bold", fontsize=10)
        for i, (label, value) in enumerate(rows):
            y = 0.88 - i * 0.024
            fig.text(x, y, label)
            fig.text(x + 0.41, y, value, ha="right")
    if b["is_projected_over_budget"]:
        fig.text(0.5, 0.675, "PERHATIAN: proyeksi belanja akhir tahun melebihi anggaran", ha="center",
                 color="firebrick", weight="bold")
    control = data.control_total
    if control:
        balanced = control["rows_balance"] and control["amounts_balance"] and control["warehouse_matches_file"]
        fig.text(0.06, 0.64, f"Total kontrol {control['file_name']}: {number(control['rows_in_file'])} baris = "
                              f"{number(control['rows_loaded'])} dimuat + {number(control['rows_quarantined'])} "
                              f"dikarantina; {rupiah(control['file_total_idr'])}: "
                              f"{'seimbang' if balanced else 'TIDAK SEIMBANG'}", fontsize=8)


def category_table(fig: Figure, data: ReportData) -> None:
    """The month's eight categories: persons and difference, in precedence order, in two columns."""
    fig.text(0.06, 0.595, "Per kategori (orang, selisih)", weight="bold", fontsize=10)
    half = (len(data.categories) + 1) // 2
    for i, c in enumerate(data.categories):
        x, y = 0.06 + (i // half) * 0.47, 0.57 - (i % half) * 0.022
        fig.text(x, y, c["category_label"])
        fig.text(x + 0.27, y, number(c["persons"]), ha="right")
        fig.text(x + 0.41, y, rupiah(c["difference_idr"]), ha="right")


def realisation_chart(ax, data: ReportData) -> None:
    """Cumulative paid against the budget line, with the year-end projection from the latest data."""
    months = [row["period"] for row in data.budget_months]
    paid = [(row["period"], row["cumulative_paid_idr"] / MILLION) for row in data.budget_months
            if row["has_payment_data"] and row["period"] <= data.period]
    expected = [row["cumulative_expected_idr"] / MILLION for row in data.budget_months]
    budget = data.budget
    ax.axhline(budget["budget_idr"] / MILLION, color="firebrick", label="Anggaran")
    ax.plot(months, expected, color="grey", linestyle=":", label="Iuran seharusnya kumulatif")
    if paid:
        ax.plot(*zip(*paid, strict=True), color="navy", marker="o", label="Realisasi kumulatif")
        basis_month, basis_paid = paid[-1]
        ax.plot([basis_month, months[-1]], [basis_paid, budget["projected_year_end_idr"] / MILLION],
                color="navy", linestyle="--", label="Proyeksi akhir tahun")
    ax.set_title("Realisasi anggaran per bulan (juta rupiah)")
    ax.set_xticks(months, [f"{m:%m/%y}" for m in months], fontsize=7)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="center left")


def signature_block(fig: Figure) -> None:
    fig.text(0.06, 0.17, "Bekasi, ............................................")
    for i, role in enumerate(SIGNERS):
        x = 0.06 + i * 0.32
        fig.text(x, 0.14, role)
        fig.text(x, 0.06, "(........................................)")
        fig.text(x, 0.04, "NIP.")
