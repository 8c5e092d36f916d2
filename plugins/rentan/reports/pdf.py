"""The two-page PDF the finance office signs (matplotlib, A4 portrait, Bahasa Indonesia).

Page 1: the month and the programme year in figures, the way from the BPJS file's total to
the net paid, the reconciliation per category. Page 2: the budget realisation chart (lines
told apart by style and marker, in black and white too), what needs follow-up, replacements,
where the numbers come from (published version, input files), and the signatures. Text flows
down each page from a cursor, so sections follow each other without gaps.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import matplotlib
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator

from rentan.reports.data import ReportData
from rentan.reports.formatting import (
    BINDING_ID,
    CATEGORY_ACTION_ID,
    REPLACEMENT_LIMIT_ID,
    category_text,
    clean_text,
    date_id,
    month_id,
    nip_text,
    number,
    reason_label,
    rupiah,
)
from rentan.reports.signatories import Signatories
from rentan.reports.workbook import TITLE

WIDTH, HEIGHT = 8.27, 11.69  # A4, inches
LEFT, RIGHT = 0.7, WIDTH - 0.7
MILLION = 1_000_000
MONTH_ABBR_ID = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")
# TrueType (not Type 3) fonts keep the text searchable and extractable.
# No mathtext: a "$" in a name or title is printed as it is, never parsed (or failed on).
PDF_STYLE = {"pdf.fonttype": 42, "font.family": "DejaVu Sans", "font.size": 8.5, "text.parse_math": False}
PAGES = 2
VALUE_X = LEFT + 4.1  # right edge of the figures' values
CHART_INCHES = 3.1
BUDGET_LINE_SCALE = 0.2  # the budget line is drawn when the lines reach a fifth of it
WRAP_NORMAL, WRAP_SMALL = 110, 125  # characters per line at 8.5 and 7.5 points


class Page:
    """One A4 figure and a cursor `y` (inches from the top) that each line moves down."""

    def __init__(self, number: int, data: ReportData):
        self.fig = Figure(figsize=(WIDTH, HEIGHT))
        self.y = 0.6
        footer = f"Rekonsiliasi iuran periode {month_id(data.period)} - {data.version_text} - sidik {data.fingerprint}"
        self.text(LEFT, HEIGHT - 0.4, footer, size=6.5, color="dimgray", at_y=True)
        self.text(
            RIGHT, HEIGHT - 0.4, f"Halaman {number} dari {PAGES}", size=6.5, color="dimgray", ha="right", at_y=True
        )

    def text(self, x: float, y: float, text: str, size: float = 8.5, at_y: bool = False, **kwargs):
        """Text at x inches from the left; y inches from the top when at_y, else the cursor."""
        return self.fig.text(
            x / WIDTH, 1 - (y if at_y else self.y) / HEIGHT, clean_text(text), fontsize=size, va="top", **kwargs
        )

    def line(self, text: str = "", size: float = 8.5, gap: float = 1.45, x: float = LEFT, **kwargs) -> None:
        if text:
            self.text(x, self.y, text, size=size, **kwargs)
        self.y += size * gap / 72

    def heading(self, text: str) -> None:
        self.y += 0.1
        self.line(text, size=10, weight="bold")
        self.rule()

    def rule(self, weight: float = 0.6) -> None:
        y = 1 - (self.y - 0.02) / HEIGHT
        self.fig.add_artist(Line2D([LEFT / WIDTH, RIGHT / WIDTH], [y, y], color="black", linewidth=weight))
        self.y += 0.05

    def row(self, cells: list[tuple[float, str, str]], size: float = 8.5, **kwargs) -> None:
        """One table row: (x inches, text, 'left'|'right') per cell."""
        for x, text, ha in cells:
            self.text(x, self.y, text, size=size, ha=ha, **kwargs)
        self.y += size * 1.5 / 72

    def axes(self, height: float):
        ax = self.fig.add_axes(
            (
                (LEFT + 0.55) / WIDTH,
                1 - (self.y + height) / HEIGHT,
                (RIGHT - LEFT - 0.6) / WIDTH,
                (height - 0.3) / HEIGHT,
            )
        )
        self.y += height + 0.25
        return ax


def write_pdf(data: ReportData, path: Path, signatories: Signatories, report_date: dt.date) -> None:
    """Write the month's PDF to `path` (the caller renames it into place)."""
    with matplotlib.rc_context(PDF_STYLE):
        first, second = Page(1, data), Page(2, data)
        title_block(first, data)
        month_figures(first, data)
        file_to_net_paid(first, data)
        category_table(first, data)
        follow_up(first, data)
        year_figures(second, data)
        realisation_chart(second, data)
        replacements(second, data)
        sources(second, data)
        signature_block(second, signatories, report_date)
        # No CreationDate: the same month's data always gives the same file.
        with PdfPages(
            path, metadata={"Title": f"{TITLE} {month_id(data.period)}", "Creator": "rentan", "CreationDate": None}
        ) as pdf:
            pdf.savefig(first.fig)
            pdf.savefig(second.fig)


def title_block(page: Page, data: ReportData) -> None:
    page.line(TITLE, size=12, weight="bold", x=WIDTH / 2, ha="center")
    page.line(f"Ringkasan Periode {month_id(data.period)}", size=11, x=WIDTH / 2, ha="center")
    published = data.publication
    when = f", diterbitkan {date_id(published['published_at'].date())}" if published else ""
    page.line(
        f"Dibuat dari data {data.version_text}{when}; {len(data.input_files)} file masukan, "
        f"sidik gabungan {data.fingerprint}",
        size=7.5,
        x=WIDTH / 2,
        ha="center",
        color="dimgray",
    )
    if data.budget["is_projected_over_budget"]:  # first thing on the first page
        page.y += 0.05
        page.line(
            "PERHATIAN: proyeksi belanja akhir tahun melebihi anggaran (lihat bagian 5)",
            size=10,
            weight="bold",
            color="firebrick",
            x=WIDTH / 2,
            ha="center",
        )


def figures(page: Page, rows: list[tuple[str, str, str]]) -> None:
    """Label, value (right-aligned) and a short note in grey, one line each."""
    for label, value, note in rows:
        page.row([(LEFT, label, "left"), (VALUE_X, value, "right")])
        if note:
            page.y -= 8.5 * 1.5 / 72
            page.row([(VALUE_X + 0.2, note, "left")], size=7.5, color="dimgray")


def month_figures(page: Page, data: ReportData) -> None:
    b = data.budget
    page.heading(f"1. Bulan {month_id(data.period)}")
    figures(
        page,
        [
            ("Peserta aktif", number(b["active_participants"]), "orang"),
            ("Iuran seharusnya", rupiah(b["expected_idr"]), f"peserta aktif x {rupiah(b['monthly_premium_idr'])}"),
            ("Iuran dibayar (neto)", rupiah(b["paid_idr"]), "pembayaran dikurangi restitusi (lihat bagian 2)"),
            (
                "Selisih (dibayar - seharusnya)",
                rupiah(b["difference_idr"]),
                "negatif: kurang dibayar; positif: lebih dibayar",
            ),
            ("Orang dalam daftar pengecualian", number(len(data.exceptions)), "semua kategori selain Sesuai"),
            (
                f"Menunggak {b['unpaid_flag_months']} bulan berturut-turut atau lebih",
                number(len(data.unpaid_streaks)),
                "peserta",
            ),
            ("Baris dikarantina di file BPJS", number(len(data.quarantined)), "tidak dimuat; lihat bagian 2 dan 4"),
        ],
    )


def year_figures(page: Page, data: ReportData) -> None:
    b = data.budget
    basis = b["projection_basis_period"]
    page.heading(f"5. Anggaran tahun program {data.period.year}")
    figures(
        page,
        [
            ("Anggaran (APBD)", rupiah(b["budget_idr"]), ""),
            ("Terpakai s.d. bulan ini", rupiah(b["cumulative_paid_idr"]), "jumlah iuran dibayar neto sejak Januari"),
            ("Sisa anggaran", rupiah(b["budget_remaining_idr"]), "anggaran - terpakai"),
            (
                "Proyeksi belanja akhir tahun",
                rupiah(b["projected_year_end_idr"]),
                f"dasar: peserta aktif {month_id(basis) if basis else '-'} x iuran x sisa bulan",
            ),
            ("Ruang anggaran", rupiah(b["headroom_idr"]), "anggaran - proyeksi belanja akhir tahun"),
            ("Kuota", f"{number(b['quota'])} orang", f"iuran per tahun {rupiah(b['annual_premium_idr'])} per orang"),
            (
                "Kapasitas",
                f"{number(b['capacity'])} orang",
                f"min(kuota, anggaran / iuran per tahun); batasan: "
                f"{BINDING_ID.get(b['binding_constraint'], b['binding_constraint'])}",
            ),
        ],
    )


def file_to_net_paid(page: Page, data: ReportData) -> None:
    """The month's file control totals and the way from the file's rupiah total to the net paid."""
    r = data.file_reconciliation
    page.heading("2. Dari total file BPJS ke iuran dibayar neto")
    if not r:
        page.line("File pembayaran BPJS bulan ini tidak ada dalam data terbit.")
        return
    status = "seimbang" if r["balanced"] else "TIDAK SEIMBANG"
    page.line(
        f"File {r['file_name']}: {number(r['rows_in_file'])} baris = {number(r['rows_loaded'])} dimuat + "
        f"{number(r['rows_quarantined'])} dikarantina; total kontrol {status}."
    )
    amount = VALUE_X + 0.6
    steps = [
        ("", "Total rupiah file (total_iuran yang terbaca sebagai angka)", r["file_total_idr"]),
        ("-", "rupiah di baris dikarantina (tidak dibayarkan)", r["quarantined_total_idr"]),
        ("=", "rupiah di baris dimuat", r["loaded_total_idr"]),
        ("", "    terdiri atas pembayaran (PEMBAYARAN)", r["payments_idr"]),
        ("", f"    dan restitusi (RESTITUSI, {number(r['refund_lines'])} baris)", r["refunds_idr"]),
    ]
    for sign, label, value in steps:
        page.row([(LEFT, sign, "left"), (LEFT + 0.2, label, "left"), (amount, rupiah(value), "right")])
    page.row(
        [
            (LEFT, "=", "left"),
            (LEFT + 0.2, "Iuran dibayar neto = pembayaran - restitusi", "left"),
            (amount, rupiah(r["net_paid_idr"]), "right"),
        ],
        weight="bold",
    )
    page.y += 0.03
    notes = [
        "Restitusi adalah pengembalian iuran oleh BPJS: di file jumlahnya positif, maka dikurangkan dari "
        "pembayaran, bukan ditambahkan."
    ]
    if r["unparsed_amount_rows"]:
        notes.append(
            f"{number(r['unparsed_amount_rows'])} baris dikarantina jumlahnya tidak terbaca sebagai angka: "
            "tidak masuk total rupiah file; teks aslinya ada di lembar Baris Karantina buku kerja."
        )
    for note in notes:
        for text in textwrap.wrap(note, WRAP_SMALL):
            page.line(text, size=7.5)


def category_table(page: Page, data: ReportData) -> None:
    """The month's categories in precedence order: persons, expected, paid, difference; and the total."""
    page.heading("3. Rekonsiliasi per kategori")
    columns = [LEFT + 3.35, LEFT + 4.35, LEFT + 5.55, RIGHT]
    page.row(
        [
            (LEFT, "Kategori (kode)", "left"),
            (columns[0], "Orang", "right"),
            (columns[1], "Seharusnya", "right"),
            (columns[2], "Dibayar (neto)", "right"),
            (columns[3], "Selisih", "right"),
        ],
        weight="bold",
    )
    for c in data.categories:
        page.row(
            [
                (LEFT, category_text(c["category"], c["category_label"]), "left"),
                *zip(
                    columns,
                    (
                        number(c["persons"]),
                        rupiah(c["expected_idr"]),
                        rupiah(c["paid_idr"]),
                        rupiah(c["difference_idr"]),
                    ),
                    ("right",) * 4,
                    strict=True,
                ),
            ]
        )
    page.rule(0.4)
    totals = [sum(c[key] for c in data.categories) for key in ("persons", "expected_idr", "paid_idr", "difference_idr")]
    page.row(
        [
            (LEFT, "Jumlah", "left"),
            *zip(columns, (number(totals[0]), *map(rupiah, totals[1:])), ("right",) * 4, strict=True),
        ],
        weight="bold",
    )
    page.y += 0.05
    page.line(
        "Selisih = dibayar - seharusnya: negatif berarti kurang dibayar, positif berarti lebih dibayar "
        "(restitusi perlu diminta).",
        size=7.5,
    )
    page.line(
        "Kode kategori dan tindak lanjutnya: lembar Keterangan Kode; daftar orangnya (KPJ, nama disamarkan): "
        "lembar Daftar Pengecualian.",
        size=7.5,
    )


def realisation_chart(page: Page, data: ReportData) -> None:
    """Cumulative paid against the budget and the expected premium, with the year-end projection."""
    page.heading(f"6. Realisasi anggaran tahun {data.period.year} (juta rupiah, kumulatif)")
    ax = page.axes(CHART_INCHES)
    months = [row["period"] for row in data.budget_months]
    paid = [
        (row["period"], row["cumulative_paid_idr"] / MILLION)
        for row in data.budget_months
        if row["has_payment_data"] and row["period"] <= data.period
    ]
    expected = [row["cumulative_expected_idr"] / MILLION for row in data.budget_months]
    budget = data.budget
    budget_m, projected_m = budget["budget_idr"] / MILLION, budget["projected_year_end_idr"] / MILLION
    highest = max([*expected, *(p for _, p in paid), projected_m, 0.001])
    if highest >= budget_m * BUDGET_LINE_SCALE:
        ax.axhline(budget_m, color="black", linewidth=2.2, label="Anggaran (APBD)")
        highest = max(highest, budget_m)
    else:  # far above the lines: drawing it would flatten them
        ax.text(
            0.99,
            0.97,
            f"Anggaran {rupiah(budget['budget_idr'])} berada jauh di atas skala grafik",
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize=7.5,
        )
    ax.plot(
        months,
        expected,
        color="dimgray",
        linestyle="--",
        linewidth=1,
        marker="s",
        markersize=8,
        markerfacecolor="none",
        label="Iuran seharusnya (kumulatif)",
        zorder=2,
    )
    if paid:
        ax.plot(
            *zip(*paid, strict=True),
            color="navy",
            linewidth=1.6,
            marker="o",
            markersize=4,
            label="Realisasi: dibayar neto (kumulatif)",
            zorder=3,
        )
        basis_month, basis_paid = paid[-1]
        ax.plot(
            [basis_month, months[-1]],
            [basis_paid, projected_m],
            color="navy",
            linestyle=":",
            linewidth=1.6,
            marker="^",
            markersize=6,
            markevery=[1],
            label="Proyeksi akhir tahun",
            zorder=3,
        )
    ax.set_ylim(bottom=0, top=highest * 1.12)
    ax.set_xticks(months, [MONTH_ABBR_ID[m.month - 1] for m in months], fontsize=7.5)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=8, steps=[1, 2, 5, 10], integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: number(round(value))))
    ax.tick_params(axis="y", labelsize=7.5)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7.5, loc="upper left", frameon=True)


def follow_up(page: Page, data: ReportData) -> None:
    """What the finance office acts on this month: exceptions, unpaid streaks, quarantined lines."""
    page.heading("4. Tindak lanjut")
    items = [
        f"{category_text(c['category'], c['category_label'])}: {number(c['persons'])} orang, selisih "
        f"{rupiah(c['difference_idr'])}. {CATEGORY_ACTION_ID.get(c['category'], '')}."
        for c in data.categories
        if c["category"] != "MATCHED" and c["persons"]
    ]
    due = sum(1 for s in data.unpaid_streaks if s["is_bpjs_deactivation_due"])
    b = data.budget
    items.append(
        f"Menunggak {b['unpaid_flag_months']} bulan berturut-turut atau lebih: "
        f"{number(len(data.unpaid_streaks))} peserta; {number(due)} di antaranya "
        f"{b['bpjs_lapse_months']} bulan atau lebih (dinonaktifkan BPJS)."
    )
    reasons: dict[str, int] = {}
    for q in data.quarantined:
        reasons[q["reason_code"]] = reasons.get(q["reason_code"], 0) + 1
    listed = "; ".join(f"{reason_label(code)} ({code}): {number(n)}" for code, n in sorted(reasons.items()))
    items.append(
        f"Baris dikarantina: {number(len(data.quarantined))}{' - ' + listed if listed else ''}. "
        "Minta BPJS mengirim ulang baris yang benar."
    )
    for item in items:
        for i, text in enumerate(textwrap.wrap(item, WRAP_NORMAL)):
            page.line(("- " if i == 0 else "  ") + text)


def replacements(page: Page, data: ReportData) -> None:
    if not data.replacements:
        return
    page.heading("7. Penggantian peserta yang keluar")
    for label, value, unit in data.replacements:
        shown = {
            "rupiah": rupiah,
            "count": number,
            "month": lambda m: month_id(m) if m else "-",
            "limit": lambda v: REPLACEMENT_LIMIT_ID.get(v, v),
        }[unit](value)
        page.row([(LEFT, label, "left"), (RIGHT, shown, "right")], size=8)


def sources(page: Page, data: ReportData) -> None:
    """The published version and the month's payment file: enough to trace a signed copy."""
    page.heading("8. Sumber data")
    published = data.publication
    if published:
        page.line(f"Data {data.version_text}, diterbitkan {published['published_at']:%Y-%m-%d %H:%M %z}.", size=8)
    payment_file = data.control_total["file_name"] if data.control_total else None
    for f in data.input_files:
        if f["file_name"] == payment_file:
            page.line(f"File pembayaran bulan ini: {f['file_name']}, checksum SHA-256:", size=8)
            page.line(f["checksum"], size=7.5, x=LEFT + 0.2, family="DejaVu Sans Mono")
    page.line(
        f"{len(data.input_files)} file masukan, sidik gabungan {data.fingerprint}: nama dan checksum "
        "setiap file ada di lembar Sumber Data buku kerja.",
        size=8,
    )


def signature_block(page: Page, signatories: Signatories, report_date: dt.date) -> None:
    """Place and date, then one column per signer: role, title, space to sign, name, NIP."""
    top = max(page.y + 0.2, HEIGHT - 2.55)
    count = len(signatories.signers)
    width = (RIGHT - LEFT) / count
    page.text(RIGHT, top, f"{signatories.place}, {date_id(report_date)}", ha="right", at_y=True)
    for i, signer in enumerate(signatories.signers):
        x = LEFT + i * width
        y = top + 0.25
        page.text(x, y, f"{signer.role},", at_y=True)
        for line in textwrap.wrap(signer.title, int(width * 13))[:3]:
            y += 0.16
            page.text(x, y, line, at_y=True)
        page.text(x, top + 1.5, signer.name, weight="bold", at_y=True)
        page.text(x, top + 1.68, f"NIP. {nip_text(signer.nip)}", at_y=True)
