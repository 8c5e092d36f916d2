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

from rentan.reports import vocabulary
from rentan.reports.formatting import BEKASI_TIME, month_id

BUDGET = "select * from marts.budget_monthly order by period"
CATEGORIES = """
    select category, persons, expected_idr, paid_idr, difference_idr, payment_lines, refunded_idr
    from marts.reconciliation_summary where period = %s order by category_precedence"""
# From ops, exact: the BI mart reconciliation_by_kecamatan hides small groups.
KECAMATAN = """
    select kode_kecamatan, max(nama_kecamatan) as nama_kecamatan, count(*) as persons,
           sum(expected_idr) as expected_idr, sum(paid_idr) as paid_idr, sum(difference_idr) as difference_idr,
           count(*) filter (where category <> 'MATCHED') as exceptions
    from ops.reconciliation where period = %s
    group by kode_kecamatan order by kode_kecamatan nulls last"""
EXCEPTIONS = """
    select kpj, nama, nama_kecamatan, category, expected_idr, paid_idr, difference_idr,
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
# Participants and replacements as of the report's month (program-rules.md section 5), from the
# operational lists: deaths by their month, slots from the month after (and from the month a
# raised capacity takes effect), calls by the first month of their slot, registrations by the
# month BPJS enrolled them. The marts' replacement_capacity is the latest data's, not the month's.
REPLACEMENTS = """
    select
        (select count(*) from ops.enrollment
         where source = 'SELECTED' and (enrolled_month is null or enrolled_month > %(period)s)
           and (exit_month is null or exit_month >= %(period)s)) as not_registered,
        (select count(*) from ops.enrollment where exit_month <= %(period)s) as exited,
        (select count(*) from ops.enrollment where exit_month < %(period)s) as freed_by_exits,
        (select coalesce(sum(greatest(capacity - previous_capacity, 0)), 0) from marts.capacity_history
         where previous_capacity is not null and effective_month <= %(period)s) as opened_by_capacity,
        (select count(*) from ops.replacement_list where slot_start_month <= %(period)s) as called,
        (select count(*) from ops.replacement_list as called
         join ops.enrollment using (nik)
         where called.slot_start_month <= %(period)s and enrollment.enrolled_month <= %(period)s) as registered,
        (select count(*) from ops.replacement_list
         where slot_start_month is not null and slot_start_month > %(period)s) as called_for_later_slots"""
LATEST_REPLACEMENT_LIMIT = "select replacement_limit, eligible_waitlist_count from marts.replacement_capacity"
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
    vocabulary: vocabulary.Vocabulary
    latest_period: dt.date | None = None

    @property
    def budget_year(self) -> list[dict]:
        """Every month of the programme year as of the report's month: the marts' rows up to it,
        and after it the projection of program-rules.md section 6 from it (`is_projection`): the
        participants active in the month, at the monthly premium, on top of its cumulative paid."""
        basis = self.budget
        rows = []
        for row in self.budget_months:
            if row["period"] <= self.period:
                rows.append({**row, "is_projection": False})
                continue
            months = row["month_number"] - basis["month_number"]
            premium = basis["monthly_premium_idr"] * basis["active_participants"]
            rows.append(
                {
                    **row,
                    "is_projection": True,
                    "active_participants": basis["active_participants"],
                    "expected_idr": premium,
                    "paid_idr": None,
                    "difference_idr": None,
                    "cumulative_paid_idr": basis["cumulative_paid_idr"] + premium * months,
                    "budget_remaining_idr": basis["budget_idr"] - basis["cumulative_paid_idr"] - premium * months,
                    "projected_year_end_idr": basis["projected_year_end_idr"],
                    "headroom_idr": basis["headroom_idr"],
                    "has_payment_data": False,
                }
            )
        return rows

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
        loaded = payments + refunds and net paid = payments - refunds, the sign from staging.
        """
        c = self.control_total
        if not c:
            return None
        refunds = c["refunded_idr"]
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
        words = vocabulary.load(conn)
        budget = next(row for row in budget_months if row["period"] == period)
        replacements = replacement_lines(cur, period, budget, words)
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
            replacements=replacements,
            publication=publication,
            input_files=cur.execute(INPUT_FILES, {"published_at": published_at}).fetchall(),
            vocabulary=words,
            latest_period=latest_period(conn),
        )


def replacement_lines(
    cur, period: dt.date, budget: dict, words: vocabulary.Vocabulary
) -> list[tuple[str, object, str]]:
    """Section 7 as of the month: (Indonesian label, value, unit) lines, in reading order.

    The headroom is the one of section 5 (the month's budget row), then the premiums committed to
    participants who hold a slot and are not paid for yet, and what is left for calls.
    """
    r = cur.execute(REPLACEMENTS, {"period": period}).fetchone()
    month = month_id(period)
    pending = r["called"] - r["registered"]
    free_slots = r["freed_by_exits"] + r["opened_by_capacity"]
    lines = [
        ("Kapasitas program (orang)", budget["capacity_in_force"], "count"),
        (f"Peserta aktif {month} (orang)", budget["active_participants"], "count"),
        (
            f"Peserta terpilih yang belum terdaftar di BPJS pada {month} (tetap memegang slot)",
            r["not_registered"],
            "count",
        ),
        (f"Peserta yang meninggal s.d. {month}, menurut data Dukcapil terbaru (orang)", r["exited"], "count"),
        (
            f"Slot yang dibebaskan s.d. {month} (mulai bulan sesudah kematian, atau sejak kapasitas dinaikkan)",
            free_slots,
            "count",
        ),
        (f"Pengganti yang dipanggil untuk slot yang mulai s.d. {month}", r["called"], "count"),
        (f"  sudah terdaftar di BPJS pada {month}", r["registered"], "count"),
        (f"  belum terdaftar di BPJS pada {month}", pending, "count"),
        (f"Slot yang belum terisi pada {month}", free_slots - r["called"], "count"),
        (
            "Ruang anggaran (sama dengan bagian 5: anggaran - proyeksi belanja akhir tahun)",
            budget["headroom_idr"],
            "rupiah",
        ),
    ]
    lines += [
        (
            "  dikurangi iuran yang sudah terikat untuk peserta pemegang slot yang belum dibayar",
            budget["committed_idr"],
            "rupiah",
        ),
        ("  = ruang anggaran untuk memanggil pengganti", budget["headroom_for_calls_idr"], "rupiah"),
    ]
    lines.append(
        (
            f"Biaya iuran satu pengganti lagi untuk {budget['months_after']} bulan program sesudah {month}",
            budget["monthly_premium_idr"] * budget["months_after"],
            "rupiah",
        )
    )
    if r["called_for_later_slots"]:
        lines.append(
            (
                f"Catatan: pengganti yang dipanggil untuk slot sesudah {month} (data terbaru)",
                r["called_for_later_slots"],
                "count",
            )
        )
    latest = cur.execute(LATEST_REPLACEMENT_LIMIT).fetchone()
    if latest and latest["replacement_limit"]:
        lines.append(
            (
                "Yang membatasi pengisian slot menurut data terbaru",
                words.label("replacement_limit", latest["replacement_limit"]),
                "text",
            )
        )
    return lines
