"""The monthly reconciliation report for the finance office: an Excel workbook and a PDF to sign.

Numbers come only from the published relations (ops.*, marts.*). Entry points:
`build_report(conn, "YYYY-MM", out_dir, signatories=None)`, `latest_period(conn)`, `period_summary_lines(conn, period)`.
"""

from rentan.reports.build import (
    ReportWriteError,
    build_report,
    latest_period,
    period_for_run,
    period_summary_lines,
    report_for_run,
    reports_dir,
)
from rentan.reports.data import NoPaymentData
from rentan.reports.signatories import SignatoryConfigError

__all__ = [
    "NoPaymentData",
    "ReportWriteError",
    "SignatoryConfigError",
    "build_report",
    "latest_period",
    "period_for_run",
    "period_summary_lines",
    "report_for_run",
    "reports_dir",
]
