"""What the warehouse gives people: the finance office's monthly reconciliation report (an Excel
workbook and a PDF to sign), the officer's `explain`, and the registration export.

Numbers come only from the published relations (ops.*, marts.*). The report's entry points are
in `build` (`build_report`, `latest_period`, `report_for_run`, `period_summary_lines`). Nothing is
imported here: `rentan explain` must not load matplotlib and openpyxl to start.
"""
