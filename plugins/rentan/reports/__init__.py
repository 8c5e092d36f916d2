"""The monthly reconciliation report for the finance office: an Excel workbook and a PDF to sign.

Numbers come only from the published relations (ops.*, marts.*). Entry points:
`build_report(conn, "YYYY-MM", out_dir)`, `latest_period(conn)`, `print_period_summary(conn, period)`.
"""

from rentan.reports.build import (
    build_report,
    latest_period,
    period_for_run,
    print_period_summary,
    report_for_run,
    reports_dir,
)
from rentan.reports.data import NoPaymentData

__all__ = ["NoPaymentData", "build_report", "latest_period", "period_for_run", "print_period_summary",
           "report_for_run", "reports_dir"]
