"""What the monthly report shows, read only from the published relations (ops.*, marts.*).

Never from raw, staging or intermediate: the finance office signs what the audited,
published version of the warehouse says, the same numbers the dashboards show.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import psycopg
from psycopg.rows import dict_row

from rentan.reports.formatting import BEKASI_TIME

BUDGET = "select * from marts.budget_monthly order by period"
CATEGORIES = """
    select category, category_label, persons, expected_idr, paid_idr, difference_idr, payment_lines, refunded_idr
    from marts.reconciliation_summary where period = %s order by category_precedence"""
KECAMATAN = """
    select kode_kecamatan, max(nama_kecamatan) as nama_kecamatan, sum(persons) as persons,
           sum(expected_idr) as expected_idr, sum(paid_idr) as paid_idr, sum(difference_idr) as difference_idr,
           sum(persons) filter (where category <> 'MATCHED') as exceptions
    from marts.reconciliation_by_kecamatan where period = %s
    group by kode_kecamatan order by kode_kecamatan nulls last"""
EXCEPTIONS = """
    select kpj, nama, nama_kecamatan, category, category_label, expected_idr, paid_idr, difference_idr,
           payment_lines, last_paid_date, died_on, kode_iuran_list
    from ops.reconciliation where period = %s and category <> 'MATCHED'
    order by category_precedence, nama_kecamatan nulls last, kpj nulls last, kode_iuran_list"""
UNPAID_STREAKS = """
    select kpj, nama, nama_kecamatan, first_unpaid_period, consecutive_unpaid_months, is_bpjs_deactivation_due,
           unpaid_idr
    from ops.consecutive_unpaid where period = %s
    order by consecutive_unpaid_months desc, nama_kecamatan nulls last, kpj"""
QUARANTINED = """
    select file_name, line_no, reason_code, column_name, failures, total_iuran_text, total_iuran_idr,
           amount_parses, raw_line, nik_as_delivered, nama
    from ops.quarantined_payment_lines where period = %s order by line_no"""
CONTROL_TOTALS = "select * from ops.payment_control_totals where period <= %s order by period"
REPLACEMENTS = "select * from marts.replacement_capacity"
# The latest month of the programme year (budget_monthly's months) with published payments: a file of
# a period outside the year (bpjs_iuran_204610.csv) is never the report's month.
LATEST_PERIOD = (
    "select max(period) from marts.reconciliation_summary where period in (select period from marts.budget_monthly)"
)
PUBLICATION = "select version, run_id, published_at from meta.publish_log order by version desc limit 1"
# The files the published version was built from: loaded before it was published and not yet
# replaced by a re-delivery at that moment (every current file when nothing is published yet).
INPUT_FILES = """
    select file.feed, file.file_name, file.checksum, file.snapshot_date, file.rows_read
    from meta.load_manifest as file
    left join meta.load_manifest as replacement on file.replaced_by = replacement.batch_id
    where file.status in ('LOADED', 'REPLACED')
      and file.finished_at <= coalesce(%(published_at)s::timestamptz, 'infinity')
      and (replacement.batch_id is null
           or replacement.finished_at > coalesce(%(published_at)s::timestamptz, 'infinity'))
      and (file.status = 'LOADED' or %(published_at)s::timestamptz is not null)
    order by file.feed, file.snapshot_date, file.file_name"""
# marts.replacement_capacity as the report shows it: (column, Indonesian label, unit), in order.
# The one place the report names that mart's columns; a column the mart no longer has is left out.
REPLACEMENT_LINES = (
    ("capacity", "Kapasitas program (orang)", "count"),
    ("active_participants", "Peserta aktif saat ini (orang)", "count"),
    ("not_registered", "Peserta terpilih yang belum terdaftar di BPJS (tetap memegang slot)", "count"),
    ("exited", "Peserta yang keluar karena meninggal (orang)", "count"),
    ("free_slots", "Slot yang dibebaskan: satu per peserta yang keluar, mulai bulan berikutnya", "count"),
    ("called", "Pengganti yang dipanggil dari daftar tunggu (orang)", "count"),
    ("registered", "  sudah terdaftar di BPJS", "count"),
    ("pending", "  belum terdaftar di BPJS", "count"),
    ("unfilled_slots", "Slot yang belum terisi", "count"),
    ("latest_payment_period", "Bulan data pembayaran terakhir", "month"),
    ("remaining_months", "Sisa bulan program setelah bulan itu", "count"),
    ("headroom_idr", "Ruang anggaran = anggaran - proyeksi belanja akhir tahun", "rupiah"),
    (
        "committed_idr",
        "Iuran yang sudah terikat di luar proyeksi: peserta yang memegang slot tetapi belum dibayar "
        "(belum terdaftar di BPJS, atau slot yang baru mulai kemudian)",
        "rupiah",
    ),
    ("new_calls_cost_idr", "Biaya iuran pengganti yang dipanggil versi ini, untuk bulan-bulan slotnya", "rupiah"),
    (
        "headroom_for_calls_after_idr",
        "Ruang anggaran untuk pengganti = ruang anggaran - iuran yang sudah terikat",
        "rupiah",
    ),
    ("cost_per_replacement_idr", "Biaya iuran satu pengganti lagi untuk sisa bulan program", "rupiah"),
    (
        "budget_slots",
        "Pengganti tambahan yang masih dapat dibiayai = sisa ruang anggaran / biaya satu pengganti "
        "(dibulatkan ke bawah)",
        "count",
    ),
    ("eligible_waitlist_count", "Kandidat daftar tunggu yang masih memenuhi syarat (orang)", "count"),
    ("replacement_limit", "Yang membatasi pengisian slot", "limit"),
)


class NoPaymentData(ValueError):
    """The month has no published reconciliation: its BPJS payment file is not loaded (or not published)."""


@dataclass
class ReportData:
    """Everything one month's report shows; each list is rows as dicts, in display order."""

    period: dt.date
    budget_months: list[dict]
    categories: list[dict]
    kecamatan: list[dict]
    exceptions: list[dict]
    unpaid_streaks: list[dict]
    quarantined: list[dict]
    control_totals: list[dict]
    replacements: list[tuple[str, object, str]]
    publication: dict | None
    input_files: list[dict]

    @property
    def budget(self) -> dict:
        """The period's row of marts.budget_monthly."""
        return next(row for row in self.budget_months if row["period"] == self.period)

    @property
    def control_total(self) -> dict | None:
        """The period's payment file's control totals."""
        return next((row for row in self.control_totals if row["period"] == self.period), None)

    @property
    def file_reconciliation(self) -> dict | None:
        """From the month's payment file total to the net paid, step by step (refunds in between).

        The warehouse holds the loaded lines as delivered (a RESTITUSI line's amount is positive):
        loaded = payments + refunds and net paid = payments - refunds, so both follow exactly.
        """
        c = self.control_total
        if not c:
            return None
        refunds = (c["staged_total_idr"] - c["net_paid_idr"]) // 2
        return {
            "file_name": c["file_name"],
            "rows_in_file": c["rows_in_file"],
            "rows_loaded": c["rows_loaded"],
            "rows_quarantined": c["rows_quarantined"],
            "file_total_idr": c["file_total_idr"],
            "loaded_total_idr": c["loaded_total_idr"],
            "quarantined_total_idr": c["quarantined_total_idr"],
            "unparsed_amount_rows": c["unparsed_amount_rows"],
            "refund_lines": c["refund_lines"],
            "payments_idr": c["staged_total_idr"] - refunds,
            "refunds_idr": refunds,
            "net_paid_idr": c["net_paid_idr"],
            "balanced": bool(c["rows_balance"] and c["amounts_balance"] and c["warehouse_matches_file"]),
        }

    @property
    def fingerprint(self) -> str:
        """One short SHA-256 over every input file's name and checksum: the same inputs, the same text."""
        listing = "\n".join(f"{f['feed']} {f['file_name']} {f['checksum']}" for f in self.input_files)
        return hashlib.sha256(listing.encode()).hexdigest()[:16]

    @property
    def version_text(self) -> str:
        """'versi terbit 12' (or a note that nothing was published through the publish step)."""
        return f"versi terbit {self.publication['version']}" if self.publication else "versi terbit: tidak tercatat"


def latest_period(conn: psycopg.Connection) -> dt.date | None:
    """The latest month with published payment data, or None before the first file."""
    return conn.execute(LATEST_PERIOD).fetchone()[0]


def load(conn: psycopg.Connection, period: dt.date) -> ReportData:
    """Read the month's report from the published relations; NoPaymentData if the month has none."""
    with conn.cursor(row_factory=dict_row) as cur:

        def rows(query: str, *args) -> list[dict]:
            return cur.execute(query, args).fetchall()

        categories = rows(CATEGORIES, period)
        budget_months = rows(BUDGET)
        if not categories or not any(row["period"] == period for row in budget_months):
            raise NoPaymentData(
                f"no published reconciliation for {period:%Y-%m} in the programme year: "
                "is its BPJS payment file loaded and the transform published?"
            )
        replacements = rows(REPLACEMENTS)
        publication = (rows(PUBLICATION) or [None])[0]
        published_at = publication["published_at"] if publication else None
        if publication:
            publication["published_at"] = published_at.astimezone(BEKASI_TIME)
        return ReportData(
            period=period,
            budget_months=budget_months,
            categories=categories,
            kecamatan=rows(KECAMATAN, period),
            exceptions=rows(EXCEPTIONS, period),
            unpaid_streaks=rows(UNPAID_STREAKS, period),
            quarantined=rows(QUARANTINED, period),
            control_totals=rows(CONTROL_TOTALS, period),
            replacements=replacement_lines(replacements[0]) if replacements else [],
            publication=publication,
            input_files=cur.execute(INPUT_FILES, {"published_at": published_at}).fetchall(),
        )


def replacement_lines(row: dict) -> list[tuple[str, object, str]]:
    """marts.replacement_capacity's row as (label, value, unit) lines, in REPLACEMENT_LINES order."""
    return [(label, row[column], unit) for column, label, unit in REPLACEMENT_LINES if column in row]
