"""Transform DAG: build, validate, then publish the eligibility, enrollment and budget models."""

from __future__ import annotations

from airflow.sdk import AssetAny, Param, dag, task
from airflow.sdk.exceptions import AirflowSkipException

from rentan.pipeline.assets import MARTS_ASSET, RAW_ASSETS
from rentan.pipeline.dag_policy import DEFAULT_ARGS, fail_without_retry

DOC_MD = """
### rentan_transform
Write, audit, publish. `dbt_build` runs `dbt build` (seeds, staging, intermediate, then ops
and marts into the build schemas `ops_build` / `marts_build`, with every dbt test) using the
programme parameters of `plugins/rentan/parameters.yml`, overridden by the run's
`program_parameters` param. `validate` runs the Great Expectations suites of
`expectations/suites/` (dedup, quota, budget, control totals, referential) on that build.
`publish` swaps the build into `ops` and `marts` in one transaction and emits the
`rentan.marts` asset. Dashboards and officers never see an unvalidated version. A run
started by an asset event whose batches an earlier run already published is skipped.

**Triage.** A failed run published nothing: `ops` and `marts` still hold the last good
version (`rentan status` shows it). The failed task's log names what failed:
- `dbt_build`: `dbt build failed:` lists the failing models and tests (`audit.dbt_results`).
  A failed test means the data broke a rule: read the test's SQL in `dbt_project/`.
- `validate`: one `FAILED <suite>.<check> (...)` line per fail-level check, with the count
  and the first failing rows (months, files, ranks). `WARNED` lines did not block. All
  results of the run are in `audit.validation_results` (`where run_id = '<run>'`), and the
  Great Expectations Data Docs (`expectations/uncommitted/data_docs/index.html` on the
  worker) show each check with its query. The check's meaning is in
  `expectations/suites/<suite>.yml`; `expectations/README.md` explains fail vs warn.
- `publish`: `not published:` says why (validation missing or failed, a view on a rebuilt
  schema, a lock held too long by a reader: this one is retried).
- `validate`, `cohort.cohort_unchanged`: participants are enrolled and this build would
  change who is selected (it says how many, and why: a parameter, a re-delivered snapshot).
  Fix the input, or decide: `rentan run --reselect "reason"` (kept in audit.cohort_decisions).
- `volume.snapshot_not_shrunk` / `volume.counts_not_shrunk`: a new snapshot is empty or much
  smaller than the one before, or the eligible / active counts fell below `published_min_ratio`
  of the published version's; the line names the feed, file and counts. Ask for the file again,
  or re-run once with a lower ratio in `program_parameters` if the change is real.
- `the <stage> stage is busy: run R holds it`: another run was loading, building or publishing
  for longer than the lock's wait; re-run once it is done. `no warehouse is configured` /
  `cannot reach the warehouse`: set `AIRFLOW_CONN_RENTAN_WAREHOUSE` on the workers, or bring
  the warehouse back; these are not retried.
Fix the data (a re-delivered file) or the parameters, then re-run: every step starts over
from raw and the build schemas, so re-running is safe.
"""


@dag(
    dag_id="rentan_transform",
    schedule=AssetAny(*RAW_ASSETS.values()),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["rentan", "transform", "dbt"],
    doc_md=DOC_MD,
    params={
        "program_parameters": Param({}, type="object"),
        "reselect": Param(
            None,
            type=["null", "string"],
            description="why the selected cohort may change although participants are enrolled",
        ),
    },
)
def rentan_transform():
    @task
    def dbt_build(params=None, run_id=None, ti=None, triggering_asset_events=None) -> dict:
        from rentan.pipeline import lineage
        from rentan.transform import steps
        from rentan.wap.failures import TransformFailed

        with fail_without_retry():
            version = steps.already_published(triggering_asset_events)
        if version is not None:  # a later event of an ingest whose batches a run before this one published
            raise AirflowSkipException(f"the batches of the assets that started this run are in version {version}")
        try:
            with fail_without_retry(TransformFailed, ValueError):  # same inputs fail the same way
                return steps.build(run_id, params["program_parameters"], reselect=params["reselect"])
        finally:  # with OPENLINEAGE_URL set: the models and tests dbt ran, failed or not
            lineage.dbt_run(ti)

    @task
    def validate(build: dict, params=None, run_id=None) -> dict:
        from rentan.validate import steps
        from rentan.wap.failures import TransformFailed

        with fail_without_retry(TransformFailed, ValueError):
            return steps.validate(run_id, build["params"], seconds=build["seconds"], reselect=params["reselect"])

    @task(outlets=[MARTS_ASSET])
    def publish(validation: dict, params=None, run_id=None, outlet_events=None, ti=None) -> dict:
        from rentan.publish import steps
        from rentan.wap.failures import TransformFailed

        with fail_without_retry(TransformFailed):
            published = steps.publish(run_id, seconds=validation["seconds"], reselect=params["reselect"])
        outlet_events[MARTS_ASSET].extra = {"version": published["version"], "run_id": run_id}
        from rentan.pipeline import lineage

        lineage.publication(ti, published["relations"])  # with OPENLINEAGE_URL: build -> published -> dashboards
        return published

    publish(validate(dbt_build()))


rentan_transform()
