"""Transform DAG: build the eligibility, enrollment and budget models when a feed changes."""

from __future__ import annotations

from airflow.sdk import AssetAny, Param, dag, task
from airflow.sdk.exceptions import AirflowFailException
from rentan import transform
from rentan.assets import MARTS_ASSET, RAW_ASSETS
from rentan.dag_policy import DEFAULT_ARGS

DOC_MD = """
### rentan_transform
Runs `dbt build` (seeds, staging, intermediate, ops, marts, and every dbt test and unit
test) with the programme parameters of `plugins/rentan/parameters.yml`, overridden by the
run's `program_parameters` param. Each model's status and duration are in this task's
log and in `audit.dbt_results`.

**Triage.** The log line `dbt build failed:` names the failing models and tests. A failed
test means the data broke a programme rule: look at the test's SQL in `dbt_project/` and
the rows it returns. Re-running is safe: models are rebuilt from raw.
"""


@dag(
    dag_id="rentan_transform",
    schedule=AssetAny(*RAW_ASSETS.values()),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["rentan", "transform", "dbt"],
    doc_md=DOC_MD,
    params={"program_parameters": Param({}, type="object")},
)
def rentan_transform():
    @task(outlets=[MARTS_ASSET])
    def dbt_build(params=None, run_id=None) -> dict:
        try:
            return transform.build(run_id, params["program_parameters"])
        except (transform.TransformFailed, ValueError) as failed:
            raise AirflowFailException(str(failed)) from None  # same inputs fail the same way

    dbt_build()


rentan_transform()
