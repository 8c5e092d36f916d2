"""The PDF the finance office signs (matplotlib, A4 portrait, Bahasa Indonesia).

The month (figures, the way from the BPJS file's total to the net paid, the reconciliation per
category, follow-up), then the programme year (budget, realisation chart, replacements), the
sources, and the signatures. The layout is computed from the content: every piece of text is
measured with the font it is drawn in, wrapped to the width it has, and a block that does not
fit on the rest of a page starts the next one. The signature block (place and date, then per
signer role, title, space to sign, name and NIP) is kept whole on one page, whatever the number
of signers (1 to 4) or the length of their titles and names. Every figure is as of the report's
month; labels come from the vocabulary (ops.vocabulary).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.textpath import TextToPath
from matplotlib.ticker import FuncFormatter, MaxNLocator

from rentan.reports.data import ReportData
from rentan.reports.formatting import (
    MONTHS_SHORT_ID,
    clean_text,
    date_id,
    month_id,
    nip_text,
    number,
    rupiah_for_readers,
)
from rentan.reports.signatories import Signatories
from rentan.reports.workbook import TITLE

# matplotlib's PDF backend logs every font subset at INFO through fontTools: hundreds of lines
# in the report task's log for nothing a reader of that log needs.
logging.getLogger("fontTools").setLevel(logging.WARNING)

WIDTH, HEIGHT = 8.27, 11.69  # A4, inches
LEFT, RIGHT = 0.7, WIDTH - 0.7
TOP, BOTTOM = 0.6, HEIGHT - 0.75  # the text area; the footer sits below BOTTOM
FOOTER_Y = HEIGHT - 0.45
MILLION = 1_000_000
FONT = "DejaVu Sans"
# TrueType (not Type 3) fonts keep the text searchable and extractable.
# No mathtext: a "$" in a name or title is printed as it is, never parsed (or failed on).
PDF_STYLE = {"pdf.fonttype": 42, "font.family": FONT, "font.size": 8.5, "text.parse_math": False}
BODY, SMALL = 8.5, 7.5
LEADING = 1.4  # line height / font size
COLUMN_GAP = 0.18  # inches between table columns
CHART_INCHES = 2.8
BUDGET_LINE_SCALE = 0.2  # the budget line is drawn when the lines reach a fifth of it
SIGNING_SPACE = 0.7  # inches left blank to sign in
_TEXT_PATH = TextToPath()  # the font's own advances, in points: what the PDF draws


def text_width(text: str, size: float = BODY, weight: str = "normal", family: str = FONT) -> float:
    """The width of `text` in inches, measured with the font it is drawn in."""
    prop = FontProperties(family=family, size=size, weight=weight)
    width, _, _ = _TEXT_PATH.get_text_width_height_descent(clean_text(text), prop, ismath=False)
    return width / 72


def wrap(text: str, width: float, size: float = BODY, weight: str = "normal") -> list[str]:
    """`text` broken into lines no wider than `width` inches (a word longer than a line is cut)."""
    lines: list[str] = []
    for paragraph in clean_text(text).split("\n"):
        indent = paragraph[: len(paragraph) - len(paragraph.lstrip(" "))]  # kept on every line
        line = ""
        for word in paragraph.lstrip(" ").split(" "):
            candidate = f"{line} {word}" if line else indent + word
            if text_width(candidate, size, weight) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            word = indent + word
            while text_width(word, size, weight) > width and len(word) > 1:
                cut = len(word)
                while cut > 1 and text_width(word[:cut], size, weight) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return lines


def line_height(size: float) -> float:
    return size * LEADING / 72


@dataclass
class Cell:
    text: str
    align: str = "left"  # left | right
    weight: str = "normal"
    size: float = BODY
    color: str = "black"


@dataclass
class Document:
    """Pages of A4 and a cursor `y` (inches from the top of the current page)."""

    footer: str
    pages: list[Figure] = field(default_factory=list)
    y: float = TOP

    def __post_init__(self):
        self.new_page()

    @property
    def page(self) -> Figure:
        return self.pages[-1]

    def new_page(self) -> None:
        self.pages.append(Figure(figsize=(WIDTH, HEIGHT)))
        self.y = TOP

    def room(self) -> float:
        return BOTTOM - self.y

    def keep(self, height: float) -> None:
        """Start a new page unless `height` inches still fit on this one."""
        if height > self.room() and self.y > TOP:
            self.new_page()

    def draw(self, x: float, y: float, text: str, size: float = BODY, align: str = "left", **kwargs) -> None:
        self.page.text(x / WIDTH, 1 - y / HEIGHT, clean_text(text), fontsize=size, va="top", ha=align, **kwargs)

    # -- flowing text --------------------------------------------------------------------------
    def paragraph(self, text: str, size: float = BODY, x: float = LEFT, width: float | None = None, **kwargs) -> None:
        lines = wrap(text, (width or RIGHT - x), size, kwargs.get("weight", "normal"))
        for line in lines:
            self.keep(line_height(size))
            self.draw(x, self.y, line, size, **kwargs)
            self.y += line_height(size)

    def heading(self, text: str) -> None:
        self.keep(0.1 + line_height(10) + 0.05 + 3 * line_height(BODY))  # with its first lines
        self.y += 0.1
        self.draw(LEFT, self.y, text, 10, weight="bold")
        self.y += line_height(10)
        y = 1 - (self.y - 0.02) / HEIGHT
        self.page.add_artist(Line2D([LEFT / WIDTH, RIGHT / WIDTH], [y, y], color="black", linewidth=0.6))
        self.y += 0.05

    def rule(self) -> None:
        y = 1 - (self.y + 0.01) / HEIGHT
        self.page.add_artist(Line2D([LEFT / WIDTH, RIGHT / WIDTH], [y, y], color="black", linewidth=0.4))
        self.y += 0.04

    # -- tables --------------------------------------------------------------------------------
    def table(self, rows: list[list[Cell]], widths: list[float] | None = None, x: float = LEFT) -> None:
        """Rows of cells in columns wide enough for their widest cell; the first column takes what
        is left and wraps. `widths` (inches) fixes the columns instead."""
        widths = widths or column_widths(rows, RIGHT - x)
        for row in rows:
            wrapped = [
                wrap(cell.text, width, cell.size, cell.weight) if cell.align == "left" else [clean_text(cell.text)]
                for cell, width in zip(row, widths, strict=True)
            ]
            height = max(len(lines) * line_height(cell.size) for lines, cell in zip(wrapped, row, strict=True))
            self.keep(height)
            left = x
            for cell, width, lines in zip(row, widths, wrapped, strict=True):
                for i, text in enumerate(lines):
                    at = left + width if cell.align == "right" else left
                    self.draw(
                        at,
                        self.y + i * line_height(cell.size),
                        text,
                        cell.size,
                        cell.align,
                        weight=cell.weight,
                        color=cell.color,
                    )
                left += width + COLUMN_GAP
            self.y += height

    def save(self, path: Path, title: str) -> None:
        total = len(self.pages)
        for number_, page in enumerate(self.pages, 1):
            page.text(LEFT / WIDTH, 1 - FOOTER_Y / HEIGHT, self.footer, fontsize=6.5, color="dimgray", va="top")
            page.text(
                RIGHT / WIDTH,
                1 - FOOTER_Y / HEIGHT,
                f"Halaman {number_} dari {total}",
                fontsize=6.5,
                color="dimgray",
                va="top",
                ha="right",
            )
        # No CreationDate: the same month's data always gives the same file.
        with PdfPages(path, metadata={"Title": title, "Creator": "rentan", "CreationDate": None}) as pdf:
            for page in self.pages:
                pdf.savefig(page)


def column_widths(rows: list[list[Cell]], available: float) -> list[float]:
    """Each right-aligned column as wide as its widest cell; the first column gets the rest."""
    columns = len(rows[0])
    widths = [max(text_width(row[c].text, row[c].size, row[c].weight) for row in rows) for c in range(columns)]
    rest = available - sum(widths[1:]) - COLUMN_GAP * (columns - 1)
    widths[0] = max(rest, available * 0.25)
    return widths


def write_pdf(data: ReportData, path: Path, signatories: Signatories, report_date: dt.date) -> None:
    """Write the month's PDF to `path` (the caller renames it into place)."""
    with matplotlib.rc_context(PDF_STYLE):
        footer = f"Rekonsiliasi iuran periode {month_id(data.period)} - {data.version_text} - sidik {data.fingerprint}"
        doc = Document(footer=footer)
        title_block(doc, data)
        month_figures(doc, data)
        file_to_net_paid(doc, data)
        category_table(doc, data)
        follow_up(doc, data)
        year_figures(doc, data)
        realisation_chart(doc, data)
        replacements(doc, data)
        sources(doc, data)
        signature_block(doc, signatories, report_date)
        doc.save(path, f"{TITLE} {month_id(data.period)}")


def title_block(doc: Document, data: ReportData) -> None:
    center = WIDTH / 2
    for text, size, weight in ((TITLE, 12, "bold"), (f"Ringkasan Periode {month_id(data.period)}", 11, "normal")):
        for line in wrap(text, RIGHT - LEFT, size, weight):
            doc.draw(center, doc.y, line, size, "center", weight=weight)
            doc.y += line_height(size)
    published = data.publication
    when = f", diterbitkan {date_id(published['published_at'].date())}" if published else ""
    for line in wrap(
        f"Dibuat dari data {data.version_text}{when}; {len(data.input_files)} file masukan, "
        f"sidik gabungan {data.fingerprint}. Semua angka per {month_id(data.period)}.",
        RIGHT - LEFT,
        SMALL,
    ):
        doc.draw(center, doc.y, line, SMALL, "center", color="dimgray")
        doc.y += line_height(SMALL)
    if data.budget["is_projected_over_budget"]:  # first thing on the first page
        doc.y += 0.05
        doc.draw(
            center,
            doc.y,
            "PERHATIAN: proyeksi belanja akhir tahun melebihi anggaran (lihat bagian 5)",
            10,
            "center",
            weight="bold",
            color="firebrick",
        )
        doc.y += line_height(10)


def figures(doc: Document, rows: list[tuple[str, str, str]]) -> None:
    """Label, value (right-aligned) and a short note in grey, in three measured columns."""
    label_width = min(max(text_width(label) for label, _, _ in rows), (RIGHT - LEFT) * 0.45)
    value_width = max(text_width(value) for _, value, _ in rows)
    note_width = RIGHT - LEFT - label_width - value_width - 2 * COLUMN_GAP
    doc.table(
        [[Cell(label), Cell(value, "right"), Cell(note, size=SMALL, color="dimgray")] for label, value, note in rows],
        widths=[label_width, value_width, note_width],
    )


def month_figures(doc: Document, data: ReportData) -> None:
    b = data.budget
    doc.heading(f"1. Bulan {month_id(data.period)}")
    figures(
        doc,
        [
            ("Peserta aktif", number(b["active_participants"]), "orang"),
            (
                "Iuran seharusnya",
                rupiah_for_readers(b["expected_idr"]),
                f"peserta aktif x {rupiah_for_readers(b['monthly_premium_idr'])}",
            ),
            (
                "Iuran dibayar (neto)",
                rupiah_for_readers(b["paid_idr"]),
                "pembayaran dikurangi restitusi (lihat bagian 2)",
            ),
            (
                "Selisih (dibayar - seharusnya)",
                rupiah_for_readers(b["difference_idr"]),
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


def file_to_net_paid(doc: Document, data: ReportData) -> None:
    """The month's file control totals and the way from the file's rupiah total to the net paid."""
    r = data.file_reconciliation
    doc.heading("2. Dari total file BPJS ke iuran dibayar neto")
    if not r:
        doc.paragraph("File pembayaran BPJS bulan ini tidak ada dalam data terbit.")
        return
    status = "seimbang" if r["balanced"] else "TIDAK SEIMBANG"
    doc.paragraph(
        f"File {r['file_name']}: {number(r['rows_in_file'])} baris = {number(r['rows_loaded'])} dimuat + "
        f"{number(r['rows_quarantined'])} dikarantina; total kontrol {status}."
    )
    words = data.vocabulary
    steps = [
        ("", "Total rupiah file (total_iuran yang terbaca sebagai angka)", r["file_total_idr"], "normal"),
        ("-", "rupiah di baris dikarantina (tidak dibayarkan)", r["quarantined_total_idr"], "normal"),
        ("=", "rupiah di baris dimuat", r["loaded_total_idr"], "normal"),
        ("", f"    terdiri atas {words.label('transaction_type', 'PEMBAYARAN').lower()}", r["payments_idr"], "normal"),
        (
            "",
            f"    dan {words.label('transaction_type', 'RESTITUSI').lower()} ({number(r['refund_lines'])} baris)",
            r["refunds_idr"],
            "normal",
        ),
        ("=", "Iuran dibayar neto = pembayaran - restitusi", r["net_paid_idr"], "bold"),
    ]
    doc.table(
        [
            [Cell(sign, weight=w), Cell(label, weight=w), Cell(rupiah_for_readers(value), "right", weight=w)]
            for sign, label, value, w in steps
        ],
        widths=[0.12, 4.6, 1.3],
    )
    notes = [words.meaning("transaction_type", "RESTITUSI")]
    if r["unparsed_amount_rows"]:
        notes.append(
            f"{number(r['unparsed_amount_rows'])} baris dikarantina jumlahnya tidak terbaca sebagai angka: "
            "tidak masuk total rupiah file; teks aslinya ada di lembar Baris Karantina buku kerja."
        )
    for note in notes:
        doc.paragraph(note, SMALL)


def category_table(doc: Document, data: ReportData) -> None:
    """The month's categories in precedence order: persons, expected, paid, difference; and the total."""
    doc.heading("3. Rekonsiliasi per kategori")
    words = data.vocabulary
    header = [Cell("Kategori", weight="bold")] + [
        Cell(text, "right", "bold") for text in ("Orang", "Seharusnya", "Dibayar (neto)", "Selisih")
    ]
    body = [
        [
            Cell(words.label("reconciliation_category", c["category"])),
            *(
                Cell(text, "right")
                for text in (
                    number(c["persons"]),
                    rupiah_for_readers(c["expected_idr"]),
                    rupiah_for_readers(c["paid_idr"]),
                    rupiah_for_readers(c["difference_idr"]),
                )
            ),
        ]
        for c in data.categories
    ]
    totals = [sum(c[key] for c in data.categories) for key in ("persons", "expected_idr", "paid_idr", "difference_idr")]
    total = [Cell("Jumlah", weight="bold")] + [
        Cell(text, "right", "bold") for text in (number(totals[0]), *map(rupiah_for_readers, totals[1:]))
    ]
    widths = column_widths([header, *body, total], RIGHT - LEFT)
    doc.table([header, *body], widths)
    doc.rule()
    doc.table([total], widths)
    doc.y += 0.05
    doc.paragraph(words.meaning("term", "SELISIH"), SMALL)
    doc.paragraph(
        "Arti setiap kategori dan tindak lanjutnya: lembar Keterangan Kode buku kerja; daftar orangnya (KPJ, "
        "nama disamarkan): lembar Daftar Pengecualian.",
        SMALL,
    )


def follow_up(doc: Document, data: ReportData) -> None:
    """What the finance office acts on this month: exceptions, unpaid streaks, quarantined lines."""
    doc.heading("4. Tindak lanjut")
    words = data.vocabulary
    items = [
        f"{words.label('reconciliation_category', c['category'])}: {number(c['persons'])} orang, selisih "
        f"{rupiah_for_readers(c['difference_idr'])}. {words.action('reconciliation_category', c['category'])}"
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
    listed = "; ".join(f"{words.label('quarantine_reason', code)}: {number(n)}" for code, n in sorted(reasons.items()))
    items.append(
        f"Baris dikarantina: {number(len(data.quarantined))}{' - ' + listed if listed else ''}. "
        "Minta BPJS mengirim ulang baris yang benar."
    )
    for item in items:
        doc.table([[Cell("-"), Cell(item)]], widths=[0.12, RIGHT - LEFT - 0.12 - COLUMN_GAP])


def year_figures(doc: Document, data: ReportData) -> None:
    b = data.budget
    words = data.vocabulary
    doc.heading(f"5. Anggaran tahun program {data.period.year}, per {month_id(data.period)}")
    figures(
        doc,
        [
            ("Anggaran (APBD)", rupiah_for_readers(b["budget_idr"]), ""),
            (
                f"Terpakai s.d. {month_id(data.period)}",
                rupiah_for_readers(b["cumulative_paid_idr"]),
                "jumlah iuran dibayar neto sejak Januari",
            ),
            ("Sisa anggaran", rupiah_for_readers(b["budget_remaining_idr"]), "anggaran - terpakai"),
            (
                "Proyeksi belanja akhir tahun",
                rupiah_for_readers(b["projected_year_end_idr"]),
                f"terpakai + peserta aktif {month_id(data.period)} x iuran x {b['months_after']} bulan sesudahnya",
            ),
            (
                words.label("term", "RUANG_ANGGARAN"),
                rupiah_for_readers(b["headroom_idr"]),
                "anggaran - proyeksi belanja akhir tahun",
            ),
            (
                "Kuota",
                f"{number(b['quota'])} orang",
                f"iuran per tahun {rupiah_for_readers(b['annual_premium_idr'])} per orang",
            ),
            (
                "Kapasitas",
                f"{number(b['capacity'])} orang",
                f"min(kuota, anggaran / iuran per tahun); yang membatasi: "
                f"{words.label('binding_constraint', b['binding_constraint']).lower()}",
            ),
        ],
    )


def realisation_chart(doc: Document, data: ReportData) -> None:
    """Cumulative paid against the budget and the expected premium, with the year-end projection."""
    doc.heading(f"6. Realisasi anggaran tahun {data.period.year} (juta rupiah, kumulatif)")
    doc.keep(CHART_INCHES + 0.25)
    ax = doc.page.add_axes(
        (
            (LEFT + 0.55) / WIDTH,
            1 - (doc.y + CHART_INCHES) / HEIGHT,
            (RIGHT - LEFT - 0.6) / WIDTH,
            (CHART_INCHES - 0.3) / HEIGHT,
        )
    )
    doc.y += CHART_INCHES + 0.25
    year = data.budget_year
    months = [row["period"] for row in year]
    actual = [row for row in year if not row["is_projection"]]
    paid = [(row["period"], row["cumulative_paid_idr"] / MILLION) for row in actual if row["has_payment_data"]]
    expected = [(row["period"], row["cumulative_expected_idr"] / MILLION) for row in actual]
    budget = data.budget
    budget_m, projected_m = budget["budget_idr"] / MILLION, budget["projected_year_end_idr"] / MILLION
    highest = max([*(p for _, p in expected), *(p for _, p in paid), projected_m, 0.001])
    if highest >= budget_m * BUDGET_LINE_SCALE:
        ax.axhline(budget_m, color="black", linewidth=2.2, label="Anggaran (APBD)")
        highest = max(highest, budget_m)
    else:  # far above the lines: drawing it would flatten them
        ax.text(
            0.99,
            0.97,
            f"Anggaran {rupiah_for_readers(budget['budget_idr'])} berada jauh di atas skala grafik",
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize=SMALL,
        )
    ax.plot(
        *zip(*expected, strict=True),
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
            label=f"Proyeksi akhir tahun (per {month_id(data.period)})",
            zorder=3,
        )
    ax.set_ylim(bottom=0, top=highest * 1.12)
    ax.set_xticks(months, [MONTHS_SHORT_ID[m.month - 1] for m in months], fontsize=SMALL)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=8, steps=[1, 2, 5, 10], integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: number(round(value))))
    ax.tick_params(axis="y", labelsize=SMALL)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=SMALL, loc="upper left", frameon=True)


def replacements(doc: Document, data: ReportData) -> None:
    if not data.replacements:
        return
    doc.heading(f"7. Penggantian peserta yang keluar, per {month_id(data.period)}")
    shown = {"rupiah": rupiah_for_readers, "count": number, "text": str}
    doc.table(
        [[Cell(label, size=8), Cell(shown[unit](value), "right", size=8)] for label, value, unit in data.replacements]
    )


def sources(doc: Document, data: ReportData) -> None:
    """The published version and the month's payment file: enough to trace a signed copy."""
    doc.heading("8. Sumber data")
    published = data.publication
    if published:
        at = published["published_at"]
        doc.paragraph(f"Data {data.version_text}, diterbitkan {date_id(at.date())} pukul {at:%H.%M} WIB.", 8)
    payment_file = data.control_total["file_name"] if data.control_total else None
    for f in data.input_files:
        if f["file_name"] == payment_file:
            doc.paragraph(f"File pembayaran bulan ini: {f['file_name']}, checksum SHA-256:", 8)
            doc.paragraph(f["checksum"], SMALL, x=LEFT + 0.2, family="DejaVu Sans Mono")
    doc.paragraph(
        f"{len(data.input_files)} file masukan, sidik gabungan {data.fingerprint}: nama dan checksum "
        "setiap file ada di lembar Sumber Data buku kerja.",
        8,
    )


def signature_block(doc: Document, signatories: Signatories, report_date: dt.date) -> None:
    """Place and date, then one column per signer: role, title, space to sign, name, NIP; kept whole
    on one page (a new page when the rest of this one is too short)."""
    count = len(signatories.signers)
    width = (RIGHT - LEFT - COLUMN_GAP * (count - 1)) / count
    columns = []
    for signer in signatories.signers:
        head = wrap(f"{signer.role},", width) + wrap(signer.title, width)
        name = wrap(signer.name, width, weight="bold")
        nip = wrap(f"NIP. {nip_text(signer.nip)}", width)
        columns.append((head, name, nip))
    head_lines = max(len(head) for head, _, _ in columns)
    name_lines = max(len(name) for _, name, _ in columns)
    nip_lines = max(len(nip) for _, _, nip in columns)
    date_line = wrap(f"{signatories.place}, {date_id(report_date)}", RIGHT - LEFT)
    height = 0.3 + line_height(BODY) * (len(date_line) + head_lines + name_lines + nip_lines) + SIGNING_SPACE
    doc.keep(height)
    doc.y += 0.3
    for line in date_line:
        doc.draw(RIGHT, doc.y, line, align="right")
        doc.y += line_height(BODY)
    top = doc.y
    name_top = top + head_lines * line_height(BODY) + SIGNING_SPACE
    for i, (head, name, nip) in enumerate(columns):
        x = LEFT + i * (width + COLUMN_GAP)
        for j, line in enumerate(head):
            doc.draw(x, top + j * line_height(BODY), line)
        for j, line in enumerate(name):
            doc.draw(x, name_top + j * line_height(BODY), line, weight="bold")
        for j, line in enumerate(nip):
            doc.draw(x, name_top + (name_lines + j) * line_height(BODY), line)
    doc.y = name_top + (name_lines + nip_lines) * line_height(BODY)
