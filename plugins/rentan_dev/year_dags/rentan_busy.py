"""A long task for `rentan year`: it holds one worker slot while its marker file exists (at most an hour)."""

from __future__ import annotations

from airflow.sdk import Param, dag, task


@dag(
    dag_id="rentan_busy",
    schedule=None,
    catchup=False,
    tags=["rentan-dev"],
    params={"marker": Param("", type="string", description="the slot is held while this file exists")},
    doc_md="Holds one worker slot while the file named by `marker` exists (rentan year's busy-slot fault).",
)
def rentan_busy():
    @task
    def hold_a_slot(params=None) -> float:
        import os
        import time

        started = time.monotonic()
        while os.path.exists(params["marker"]) and time.monotonic() - started < 3600:
            time.sleep(1)
        return time.monotonic() - started

    hold_a_slot()


rentan_busy()
