"""Ingest DAG: load every new landing file into raw, one mapped task per file."""

from __future__ import annotations

import os

from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable, Param, dag, get_current_context, task
from airflow.sdk.configuration import conf
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from rentan.paths import REPO_ROOT
from rentan.pipeline.assets import RAW_ASSETS, landing_asset
from rentan.pipeline.dag_policy import DEFAULT_ARGS, fail_without_retry

LANDING = os.environ.get("RENTAN_LANDING", str(REPO_ROOT / ".landing"))

DOC_MD = """
### rentan_ingest
Scans the landing area (`landing` param; one folder per feed), COPYs each new file into
`raw.<feed>` in one transaction per file, quarantines rows that fail their contract into
`meta.quarantine`, records every file in `meta.load_manifest`, and emits `rentan.raw.<feed>`
for each feed that got a new batch (which starts `rentan_transform`). A rejected file does
not hold the others back: the good files are loaded and their feeds emitted, then
`rejected` fails the run naming every file that was not loaded (the run shows as failed
and alerts); that file is tried again on the next run.

Runs when the triggerer's watcher sees the landing area change (asset `rentan.landing`,
polled every `RENTAN_LANDING_POLL_SECONDS`, default 30 s), and every hour in case.

**Triage.** A failed `load_file` names the file, line and column in its log and leaves a
`REJECTED` row in `meta.load_manifest` (`error` column); nothing of that file is in raw.
`rejected` lists every file of the run that was not loaded and why.
Usual causes: a required column missing from the header, a file name without a valid date,
a ragged or badly quoted CSV line, a non-UTF-8 file. Fix or remove the file in the landing
area and re-run: loaded files are skipped by checksum, so re-running is always safe.

**Checksums.** A file unchanged since it was last hashed (path, size, modification and
change times, inode: `meta.landing_checksums`) is not read again; trigger with
`recheck: true` (or `rentan run --recheck`) to hash every file, e.g. after a disk or
network file system fault, or a restore of the landing area.
"""


@dag(
    dag_id="rentan_ingest",
    # the watcher notices deliveries; the hourly run catches whatever it could not see
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable("0 * * * *", timezone=conf.get("core", "default_timezone")),
        assets=landing_asset(LANDING),
    ),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["rentan", "ingest"],
    doc_md=DOC_MD,
    params={
        "landing": Param(LANDING, type="string"),
        "recheck": Param(False, type="boolean", description="hash every file, whatever the checksum cache says"),
    },
)
def rentan_ingest():
    @task
    def discover(params=None, ti=None) -> list[dict]:
        from rentan.ingest import steps  # psycopg and the loader: imported when the task runs, not at parse

        with fail_without_retry(FileNotFoundError):
            found = steps.discover(params["landing"], recheck=params.get("recheck", False))
        ti.xcom_push(key="skipped", value=found["skipped"])
        ti.xcom_push(key="ignored", value=found["ignored"])
        return found["new"]

    @task(map_index_template="{{ landing_file_name }}")
    def load_file(landing_file: dict, run_id=None) -> dict:
        from rentan.ingest import steps
        from rentan.ingest.loader import FileRejected

        get_current_context()["landing_file_name"] = landing_file["name"]  # names the mapped task in the UI
        with fail_without_retry(FileRejected):  # a bad file does not get better by retrying
            result = steps.load(landing_file, run_id)
        if result.get("status") != "SKIPPED":  # with OPENLINEAGE_URL set: the file -> raw.<feed>
            from rentan.pipeline import lineage
            from rentan.warehouse import warehouse_url

            lineage.loaded(landing_file, landing_file["feed"], warehouse_url())
        return result

    # all_done: the good files of a run count even when another file's load failed.
    @task(trigger_rule="all_done")
    def summarize(results, run_id=None, dag=None, ti=None) -> dict:
        from rentan.ingest import steps

        new = ti.xcom_pull(task_ids="discover")
        if new is None:
            raise AirflowFailException("discover failed: nothing was loaded (see its log)")
        skipped = ti.xcom_pull(task_ids="discover", key="skipped") or []
        ignored = ti.xcom_pull(task_ids="discover", key="ignored") or []
        found = {"new": new, "skipped": skipped, "ignored": ignored}
        with fail_without_retry():
            return steps.summarize(list(results or []), found, run_id, dag.dag_id)

    @task
    def rejected(summary: dict) -> None:
        from rentan.ingest import steps

        problem = steps.not_loaded(summary)
        if problem:
            raise AirflowFailException(problem)  # the run fails, after the good files' assets went out

    summary = summarize(load_file.expand(landing_file=discover()))
    rejected(summary)

    for feed, asset in RAW_ASSETS.items():

        @task(task_id=f"emit_{feed}", outlets=[asset])
        def emit(summary: dict, feed=feed, asset=asset, outlet_events=None) -> None:
            batch_ids = summary[feed]["batch_ids"]
            if not batch_ids:
                raise AirflowSkipException(f"no new {feed} file")
            outlet_events[asset].extra = {"batch_ids": batch_ids}

        emit(summary)


rentan_ingest()
