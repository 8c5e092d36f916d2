"""OpenLineage for the team's catalogue (Marquez, DataHub): landing file -> raw -> staging -> marts -> dashboard.

Off unless configured, on with one setting: `OPENLINEAGE_URL` (the receiver's base URL; or any
transport of apache-airflow-providers-openlineage's `[openlineage]` section). Then:
- every Airflow task's run is an OpenLineage job run (the provider's listener); the tasks that
  move data declare what they read and wrote through Airflow's hook-lineage collector, which
  the provider puts in their events: `load_file` a landing file -> `raw.<feed>`, `publish` each
  built relation (`ops_build`, `marts_build`) -> its published name (`ops`, `marts`);
- the dbt build's models and tests, from dbt's own artifacts (openlineage-dbt's processor, as
  `dbt-ol` does), as children of the `dbt_build` task's run: `raw` sources -> staging ->
  intermediate -> the build schemas;
- each dashboard (a dbt exposure) as a job reading the published marts it depends on and
  writing the dashboard, emitted when a version is published.
Datasets are named as openlineage-dbt names them: namespace `postgres://host:port`, name
`database.schema.table` (from the warehouse URL: give the workers a TCP URL); landing files
are `file` datasets named by their path. Nothing here may fail a task: an emission that
fails is logged.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import uuid
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict

log = logging.getLogger(__name__)

PRODUCER = "https://github.com/kota-bekasi/rentan"
DASHBOARD_NAMESPACE = "superset"


def enabled() -> bool:
    """True when a transport is configured (OPENLINEAGE_URL or the provider's settings)."""
    try:
        from airflow.providers.openlineage.conf import is_disabled
    except ImportError:  # the provider is not installed: no lineage
        return False
    return not is_disabled()


def table_uri(url: str, schema: str, table: str) -> str:
    """An Airflow asset URI (AIP-60 postgres scheme) for a warehouse relation."""
    info = conninfo_to_dict(url)
    host, port = info.get("host") or "localhost", info.get("port") or 5432
    return f"postgres://{host}:{port}/{info.get('dbname')}/{schema}/{table}"


def namespace(url: str) -> str:
    info = conninfo_to_dict(url)
    return f"postgres://{info.get('host') or 'localhost'}:{info.get('port') or 5432}"


def loaded(landing_file: dict, feed: str, url: str) -> None:
    """`load_file`: the landing file in, `raw.<feed>` out (the provider's task event carries them)."""
    if not enabled():
        return
    collector = _collector()
    collector.add_input_asset(context=_CONTEXT, uri=Path(landing_file["path"]).resolve().as_uri())
    collector.add_output_asset(context=_CONTEXT, uri=table_uri(url, "raw", feed))


def dbt_run(ti) -> int:
    """`dbt_build`: the models and tests of the build just run (its artifacts), under the task's run."""
    if not enabled():
        return 0
    from rentan.paths import DBT_PROJECT_DIR, DBT_TARGET_DIR
    from rentan.warehouse import warehouse_url

    return dbt_build(ti, warehouse_url(), DBT_TARGET_DIR, DBT_PROJECT_DIR)


def publication(ti, relations: list[str]) -> int:
    """`publish`: each built relation -> its published name (in the task's event), then the dashboards."""
    if not enabled():
        return 0
    from rentan.paths import DBT_MANIFEST
    from rentan.wap.builds import build_schemas
    from rentan.warehouse import warehouse_url

    url = warehouse_url()
    builds = build_schemas()
    collector = _collector()
    for relation in relations:
        schema, name = relation.split(".", 1)
        collector.add_input_asset(context=_CONTEXT, uri=table_uri(url, builds[schema], name))
        collector.add_output_asset(context=_CONTEXT, uri=table_uri(url, schema, name))
    return dashboards(ti, url, DBT_MANIFEST)


def dbt_build(ti, url: str, target_dir: Path, project_dir: Path) -> int:
    """The dbt build's events from its artifacts, as children of the `dbt_build` task's run; how many were sent."""
    if not enabled():
        return 0
    try:
        from openlineage.common.provider.dbt import DbtLocalArtifactProcessor, ParentRunMetadata

        from rentan.transform.dbt_runner import dbt_env

        parent = _parent(ti)
        previous = {k: os.environ.get(k) for k in dbt_env(url)}
        os.environ.update(dbt_env(url))  # profiles.yml reads the connection from these
        try:
            processor = DbtLocalArtifactProcessor(
                producer=PRODUCER,
                project_dir=str(project_dir),
                target_path=str(target_dir),
                job_namespace=parent.job_namespace,
                profile_name="rentan",
                logger=log,
            )
            processor.dbt_run_metadata = ParentRunMetadata(
                run_id=parent.run_id,
                job_name=parent.job_name,
                job_namespace=parent.job_namespace,
                root_parent_run_id=parent.root_parent_run_id,
                root_parent_job_name=parent.root_parent_job_name,
                root_parent_job_namespace=parent.root_parent_job_namespace,
            )
            events = processor.parse().events()
        finally:
            for key, value in previous.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        return _emit(events)
    except Exception as err:  # noqa: BLE001 - lineage must never fail the build
        log.warning("OpenLineage: the dbt build's events were not sent: %s", err)
        return 0


def dashboards(ti, url: str, manifest: Path) -> int:
    """One run per dashboard (dbt exposure): the published marts it reads -> the dashboard."""
    if not enabled():
        return 0
    try:
        from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
        from openlineage.client.facet_v2 import parent_run

        nodes = json.loads(manifest.read_text())
        parent = _parent(ti)
        now = dt.datetime.now(dt.UTC).isoformat()
        events = []
        for exposure in nodes.get("exposures", {}).values():
            inputs = [
                InputDataset(namespace=namespace(url), name=f"{_database(url)}.marts.{m}")
                for m in (nodes["nodes"][n]["name"] for n in exposure["depends_on"]["nodes"] if n in nodes["nodes"])
            ]
            output = OutputDataset(namespace=DASHBOARD_NAMESPACE, name=exposure.get("url") or exposure["name"])
            facet = parent_run.ParentRunFacet(
                run=parent_run.Run(runId=parent.run_id),
                job=parent_run.Job(namespace=parent.job_namespace, name=parent.job_name),
            )
            run = Run(runId=str(uuid.uuid4()), facets={"parent": facet})
            job = Job(namespace=parent.job_namespace, name=f"dashboard.{exposure['name']}")
            for state in (RunState.START, RunState.COMPLETE):
                events.append(
                    RunEvent(
                        eventType=state,
                        eventTime=now,
                        run=run,
                        job=job,
                        producer=PRODUCER,
                        inputs=inputs,
                        outputs=[output],
                    )
                )
        return _emit(events)
    except Exception as err:  # noqa: BLE001 - lineage must never fail a publish
        log.warning("OpenLineage: the dashboards' events were not sent: %s", err)
        return 0


def fresh_collector() -> None:
    """A task run in this process (rentan run's dag.test) starts with nothing collected, as in a process of its own."""
    try:
        from airflow.sdk.lineage import get_hook_lineage_collector
    except ImportError:
        return
    get_hook_lineage_collector.cache_clear()


# -- helpers ---------------------------------------------------------------------------------


class _Context:
    """What Airflow's collector keeps beside an asset (a hook, usually): here, rentan's own steps."""


_CONTEXT = _Context()


def _collector():
    from airflow.sdk.lineage import get_hook_lineage_collector

    return get_hook_lineage_collector()


def _database(url: str) -> str:
    return conninfo_to_dict(url).get("dbname") or ""


def _parent(ti):
    """The task's own OpenLineage run (the provider's ids), as a parent for child runs."""
    from airflow.providers.openlineage.plugins import macros
    from openlineage.common.provider.dbt import ParentRunMetadata

    return ParentRunMetadata(
        run_id=macros.lineage_run_id(ti),
        job_name=macros.lineage_job_name(ti),
        job_namespace=macros.lineage_job_namespace(),
        root_parent_run_id=macros.lineage_root_run_id(ti),
        root_parent_job_name=macros.lineage_root_job_name(ti),
        root_parent_job_namespace=macros.lineage_root_job_namespace(ti),
    )


def _emit(events) -> int:
    from airflow.providers.openlineage.plugins.adapter import OpenLineageAdapter

    client = OpenLineageAdapter().get_or_create_openlineage_client()
    sent = 0
    for event in events:
        try:
            client.emit(event)
            sent += 1
        except Exception as err:  # noqa: BLE001 - one lost event is logged, the rest still go
            log.warning("OpenLineage: an event was not sent: %s", err)
    return sent
