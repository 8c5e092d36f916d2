"""Report DAG: the finance office's monthly reconciliation workbook and PDF."""

from __future__ import annotations

from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable, Param, dag, task
from airflow.sdk.configuration import conf
from airflow.sdk.exceptions import AirflowSkipException

from rentan.pipeline.assets import MARTS_ASSET
from rentan.pipeline.dag_policy import DEFAULT_ARGS, REPORT_SCHEDULE, fail_without_retry, report_deadline

DOC_MD = """
### rentan_report
Writes one month's reconciliation report for the finance office into `$RENTAN_REPORTS`
(default `<repo>/.reports`): `laporan_rekonsiliasi_YYYY-MM.xlsx` (summary, per category, per
kecamatan, exception list, consecutive unpaid, quarantined lines, control totals, monthly
budget) and `ringkasan_rekonsiliasi_YYYY-MM.pdf` (key figures, budget chart, signatures).
Every number comes from the published `ops` and `marts` relations; both files name the
published version and the input files (checksums) they were made from. The PDF's signature
block comes from the YAML file in `$RENTAN_REPORT_SIGNATORIES` (default: the example with
placeholder names). Re-running a month replaces its two files, both or neither.

Runs monthly (`REPORT_SCHEDULE`, for the month before) and whenever `rentan_transform`
publishes the marts (for the latest month with payment data). Backfill any month with the
`period` param (`YYYY-MM`).

**Triage.** `no published reconciliation for YYYY-MM`: that month's BPJS payment file is
not loaded or the transform has not published since: check `rentan status`
(`meta.load_manifest`, the last transform run), load the file, let the transform publish,
then re-run this DAG with `period`. `signatories file ...`: fix the YAML file the message
names (see `plugins/rentan/reports/signatories.example.yml`). A skipped run means no payment data is published yet.
A late run (the deadline alert) means the report was not written by the due day. The
workbook holds KPJs and masked names: share it only with the finance office.
"""


@dag(
    dag_id="rentan_report",
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable(REPORT_SCHEDULE, timezone=conf.get("core", "default_timezone")),
        assets=MARTS_ASSET,
    ),
    deadline=report_deadline(),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["rentan", "report", "finance"],
    doc_md=DOC_MD,
    params={
        "period": Param(
            "",
            type="string",
            pattern=r"^([0-9]{4}-(0[1-9]|1[0-2]))?$",
            description="YYYY-MM; empty: the month before a scheduled run, else the latest month",
        )
    },
)
def rentan_report():
    @task
    def build_report(params=None, dag_run=None, logical_date=None, dag=None) -> dict:
        # matplotlib and openpyxl: imported when the task runs, not at parse
        from rentan.reports.build import report_for_run
        from rentan.reports.data import NoPaymentData
        from rentan.reports.signatories import SignatoryConfigError

        local_date = logical_date.astimezone(dag.timezone) if logical_date else None
        # retrying does not load the file or fix the YAML
        with fail_without_retry(NoPaymentData, SignatoryConfigError):
            result = report_for_run(params["period"], dag_run.run_type, local_date)
        if result is None:
            raise AirflowSkipException("no payment data is published yet")
        return result

    build_report()


rentan_report()
