"""Build one month's finance report (workbook + PDF) from the published relations, atomically."""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
from pathlib import Path

import psycopg

from rentan.paths import REPO_ROOT
from rentan.reports import data as report_data
from rentan.reports.formatting import BEKASI_TIME, month_id, number, parse_period, period_text, rupiah_for_readers
from rentan.reports.pdf import write_pdf
from rentan.reports.signatories import SIGNATORIES_ENV, Signatories, load_signatories
from rentan.reports.workbook import write_workbook
from rentan.warehouse import connect

REPORTS_ENV = "RENTAN_REPORTS"
DEFAULT_REPORTS_DIR = REPO_ROOT / ".reports"
WORKBOOK_NAME = "laporan_rekonsiliasi_{period}.xlsx"
PDF_NAME = "ringkasan_rekonsiliasi_{period}.pdf"
# The workbook lists KPJs and masked names: readable by its owner only, like the exports.
WORKBOOK_MODE = 0o600
SCHEDULED_RUN_TYPES = frozenset({"scheduled", "backfill"})

log = logging.getLogger(__name__)


class ReportWriteError(ValueError):
    """The report could not be written; the month's earlier files (if any) are unchanged."""


def reports_dir() -> Path:
    """Where reports go: $RENTAN_REPORTS, else <repo>/.reports (git-ignored)."""
    return Path(os.environ.get(REPORTS_ENV) or DEFAULT_REPORTS_DIR)


def latest_period(conn: psycopg.Connection) -> str | None:
    """The latest month with published payment data, 'YYYY-MM', or None before the first file."""
    month = report_data.latest_period(conn)
    return period_text(month) if month else None


def build_report(
    conn: psycopg.Connection,
    period: str,
    out_dir: Path,
    signatories: str | Path | None = None,
    report_date: dt.date | None = None,
) -> dict:
    """Write the month's workbook and PDF into out_dir, replacing that month's earlier files.

    `signatories` is the signatories YAML (default: $RENTAN_REPORT_SIGNATORIES, else the example);
    `report_date` the date above the signatures (default: today in Bekasi). Returns
    {"paths": {"xlsx": Path, "pdf": Path}, "summary": {...key figures...}}. Raises
    SignatoryConfigError before any work when the signatories file is wrong,
    report_data.NoPaymentData when the month has no published reconciliation, and
    ReportWriteError when a file cannot be written (the earlier files stay as they were).
    """
    month = parse_period(period)
    signers = load_signatories(signatories)
    report_date = report_date or dt.datetime.now(BEKASI_TIME).date()
    data = report_data.load(conn, month)
    out_dir = Path(out_dir)
    paths = {"xlsx": out_dir / WORKBOOK_NAME.format(period=period), "pdf": out_dir / PDF_NAME.format(period=period)}
    write_atomically(
        {
            paths["xlsx"]: (_through_memory(lambda out: write_workbook(data, out, report_date)), WORKBOOK_MODE),
            paths["pdf"]: (_through_memory(lambda out: write_pdf(data, out, signers, report_date)), None),
        }
    )
    return {"paths": paths, "summary": summarize(data, signers)}


def _through_memory(write):
    """A writer that builds the file in memory, then writes its bytes with plain I/O.

    On a full disk that is one OSError (reported in one line): written straight to disk, the
    workbook's ZipFile failed half-way and its destructor printed a traceback at exit.
    """

    def to(path: Path) -> None:
        buffer = io.BytesIO()
        write(buffer)
        path.write_bytes(buffer.getvalue())

    return to


def write_atomically(files: dict) -> None:
    """Write every file under a hidden temporary name beside it, then rename them all into place.

    `files` maps each path to (write(tmp_path), mode or None). Nothing is renamed until every
    file is written, so a failure leaves the earlier pair as it was and no partial file behind.
    """
    partials = {path: path.with_name(f".{path.name}.partial") for path in files}
    in_the_way = [path for path in files if path.exists() and not path.is_file()]
    if in_the_way:  # found before anything is written: a rename onto it would fail half-way through the pair
        raise ReportWriteError(
            f"{in_the_way[0]} is a folder or other non-file where the report goes: move it away; "
            "nothing was written, the month's earlier files are unchanged"
        )
    try:
        next(iter(files)).parent.mkdir(parents=True, exist_ok=True)
        for path, (write, mode) in files.items():
            partials[path].unlink(missing_ok=True)
            write(partials[path])
            if mode is not None:
                partials[path].chmod(mode)
        for path, partial in partials.items():
            partial.replace(path)
    except Exception as err:
        names = ", ".join(path.name for path in files)
        raise ReportWriteError(
            f"could not write {names} in {next(iter(files)).parent}: "
            f"{type(err).__name__}: {err}; the month's earlier files are unchanged"
        ) from err
    finally:
        for partial in partials.values():
            if partial.is_file():
                partial.unlink()


def summarize(data: report_data.ReportData, signers: Signatories) -> dict:
    """The month's key figures, as plain values (for XCom, the CLI and tests)."""
    budget, control = data.budget, data.control_total
    return {
        "period": period_text(data.period),
        "active_participants": budget["active_participants"],
        "expected_idr": budget["expected_idr"],
        "paid_idr": budget["paid_idr"],
        "difference_idr": budget["difference_idr"],
        "cumulative_paid_idr": budget["cumulative_paid_idr"],
        "budget_remaining_idr": budget["budget_remaining_idr"],
        "projected_year_end_idr": budget["projected_year_end_idr"],
        "headroom_idr": budget["headroom_idr"],
        "categories": {c["category"]: c["persons"] for c in data.categories},
        "exceptions": len(data.exceptions),
        "unpaid_streaks": len(data.unpaid_streaks),
        "quarantined_lines": len(data.quarantined),
        "control_totals_balance": bool(
            control and control["rows_balance"] and control["amounts_balance"] and control["warehouse_matches_file"]
        ),
        "published_version": data.publication["version"] if data.publication else None,
        "input_files": len(data.input_files),
        "fingerprint": data.fingerprint,
        "signatories_file": str(signers.source),
        "signatories_are_example": signers.is_example,
    }


def period_for_run(
    requested: str | None, run_type: str | None, logical_date: dt.datetime | None, conn: psycopg.Connection
) -> str | None:
    """The month a DAG run reports on.

    An explicit `period` wins (backfill any month). A scheduled or backfill run reports the
    month before its logical date (pass it in the schedule's timezone); a manual or
    asset-triggered run (no logical date of its own) the latest month with data.
    """
    if requested:
        return period_text(parse_period(requested))
    if getattr(run_type, "value", run_type) in SCHEDULED_RUN_TYPES and logical_date is not None:
        first = logical_date.date().replace(day=1)
        return period_text((first - dt.timedelta(days=1)).replace(day=1))
    return latest_period(conn)


def report_for_run(
    requested: str | None, run_type: str | None, logical_date: dt.datetime | None, out_dir: Path | None = None
) -> dict | None:
    """What a report DAG run does: pick its month, build it into reports_dir(); None before any data.

    Returns build_report's result with the paths as text (for XCom).
    """
    signers = load_signatories()  # a wrong signatories file fails before the warehouse is touched
    if signers.is_example:
        log.warning(
            "the report is signed by the example signatories of %s (placeholder names): set %s to the officials' file",
            signers.source,
            SIGNATORIES_ENV,
        )
    with connect() as conn:
        period = period_for_run(requested, run_type, logical_date, conn)
        if period is None:
            return None
        result = build_report(conn, period, out_dir or reports_dir())
    return {"paths": {kind: str(path) for kind, path in result["paths"].items()}, "summary": result["summary"]}


def period_summary_lines(conn: psycopg.Connection, period: str) -> list[str]:
    """The month's reconciliation summary and budget position as lines (what `make demo` ends with)."""
    month = parse_period(period)
    categories = conn.execute(
        """select category_label, category, persons, expected_idr, paid_idr, difference_idr
           from marts.reconciliation_summary where period = %s order by category_precedence""",
        (month,),
    ).fetchall()
    budget = conn.execute(
        """select active_participants, expected_idr, paid_idr, cumulative_paid_idr, budget_remaining_idr,
                  projected_year_end_idr, headroom_idr from marts.budget_monthly where period = %s""",
        (month,),
    ).fetchone()
    lines = [f"  rekonsiliasi {month_id(month)}:"]
    lines.append(f"  {'kategori':<28}{'orang':>8}{'seharusnya':>18}{'dibayar':>18}{'selisih':>16}")
    for label, _, persons, expected, paid, difference in categories:
        lines.append(
            f"  {label:<28}{number(persons):>8}{rupiah_for_readers(expected):>18}"
            f"{rupiah_for_readers(paid):>18}{rupiah_for_readers(difference):>16}"
        )
    totals = [sum(row[i] for row in categories) for i in range(2, 6)]
    lines.append(
        f"  {'jumlah':<28}{number(totals[0]):>8}{rupiah_for_readers(totals[1]):>18}"
        f"{rupiah_for_readers(totals[2]):>18}{rupiah_for_readers(totals[3]):>16}"
    )
    if budget:
        active, expected, paid, cumulative, remaining, projected, headroom = budget
        lines.append(
            f"  peserta aktif {number(active)}; terpakai s.d. bulan ini {rupiah_for_readers(cumulative)}, "
            f"sisa {rupiah_for_readers(remaining)}; proyeksi akhir tahun {rupiah_for_readers(projected)}, "
            f"ruang anggaran {rupiah_for_readers(headroom)}"
        )
    return lines
