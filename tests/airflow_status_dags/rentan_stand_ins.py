"""Stand-ins for the three DAGs, with their ids and task names, that fail on demand.

tests/test_status.py runs them with dag.test() in an Airflow home of its own.

`rentan status` reads what Airflow recorded of them; what the real tasks do is tested elsewhere.
"""

from airflow.sdk import Param, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException


@dag(dag_id="rentan_ingest", schedule=None, params={"fail": Param(False, type="boolean")})
def rentan_ingest():
    @task
    def discover():
        return ["dtsen_20251210.csv", "dukcapil_20251210.csv"]

    @task(map_index_template="{{ landing_file_name }}")
    def load_file(name, params=None, ti=None):
        get_current_context()["landing_file_name"] = name
        if params["fail"] and name.startswith("dtsen"):
            ti.xcom_push(key="error", value="dtsen/dtsen_20251210.csv line 3, column nik: not 16 digits\nmore")
            raise AirflowFailException("rejected")
        return name

    @task(trigger_rule="all_done")
    def rejected(loaded, params=None):
        if params["fail"]:
            raise AirflowFailException("1 file was not loaded")  # no `error` XCom: the log has it

    rejected(load_file.expand(name=discover()))


@dag(dag_id="rentan_transform", schedule=None)
def rentan_transform():
    @task
    def dbt_build():
        return {}

    @task
    def validate(build, ti=None):
        ti.xcom_push(key="error", value="validation failed: budget.cumulative_paid_within_budget")
        raise AirflowFailException("validation failed")

    @task
    def publish(validation):
        return validation

    publish(validate(dbt_build()))


@dag(dag_id="rentan_report", schedule=None)
def rentan_report():
    @task
    def report():
        return None

    report()


rentan_ingest()
rentan_transform()
rentan_report()
