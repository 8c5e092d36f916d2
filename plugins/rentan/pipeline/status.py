"""`rentan status`: the pipeline's state on one screen, for whoever is on call.

The runs come from Airflow's metadata database (its own models and session, so SQLite
locally and any database in production): the last run of each DAG, which task failed and
its one-line message (the XCom `error` its task instance left), and how many runs failed
since the last success. The rest comes from the warehouse: the published version with the
parameters and files it was built from (meta.publish_log.inputs), the validation of that
very build and of the last one, re-delivered files (meta.load_manifest), loads, quarantine,
dbt and look-ups. Returns lines; the CLI prints them.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field

import psycopg

from rentan.ingest.contracts import CONTRACTS
from rentan.warehouse.backup import backup_lines

DAG_IDS = ("rentan_ingest", "rentan_transform", "rentan_report")
ERROR_XCOM_KEY = "error"  # a failed task's one-line message (rentan.pipeline.runner writes it)
NO_MESSAGE = "see the task log"
TRANSFORM_DAG = "rentan_transform"


@dataclass(frozen=True)
class FailedTask:
    task: str  # task_id, with [map index] for a mapped task
    message: str


@dataclass(frozen=True)
class DagRunStatus:
    """The last run of one DAG, as Airflow recorded it."""

    dag_id: str
    run_id: str
    state: str
    run_type: str
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    failed: list[FailedTask] = field(default_factory=list)
    not_run: list[str] = field(default_factory=list)  # upstream_failed: never started because of a failure
    task_states: dict[str, str] = field(default_factory=dict)  # task_id -> state (mapped: the worst)
    failed_in_a_row: int = 0  # failed runs since the last success, this one included
    last_success_at: dt.datetime | None = None
    # the last run is not a failure but one since the last success is: that run and its failed tasks
    earlier_failure: tuple[str, list[FailedTask]] | None = None


@dataclass(frozen=True)
class AirflowRuns:
    """The last run per DAG (None: never ran), or why Airflow's record could not be read."""

    where: str
    runs: dict[str, DagRunStatus | None] = field(default_factory=dict)
    problem: str | None = None


# -- Airflow's record of the runs -----------------------------------------------------------


def airflow_runs(airflow_home: str, dag_ids: tuple[str, ...] = DAG_IDS) -> AirflowRuns:
    """The last run of each DAG from the metadata database of `airflow_home` (runner.airflow_env's)."""
    os.environ["AIRFLOW_HOME"] = airflow_home  # read when Airflow is first imported
    from airflow.configuration import conf

    database = conf.get("database", "sql_alchemy_conn")
    where = _describe_database(database)
    if database.startswith("sqlite:") and not os.path.exists(database.split("///", 1)[-1].split("?")[0]):
        return AirflowRuns(where, {dag_id: None for dag_id in dag_ids})
    from airflow.utils.session import create_session
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with create_session() as session:
            return AirflowRuns(where, {dag_id: _last_run(session, dag_id) for dag_id in dag_ids})
    except SQLAlchemyError as err:
        first = str(err).strip().splitlines()[0]
        return AirflowRuns(where, problem=f"cannot read Airflow's metadata database at {where}: {first}")


def _last_run(session, dag_id: str) -> DagRunStatus | None:
    from airflow.models.dagrun import DagRun
    from sqlalchemy import func, select

    last = session.scalars(select(DagRun).where(DagRun.dag_id == dag_id).order_by(DagRun.id.desc()).limit(1)).first()
    if last is None:
        return None
    success = session.scalars(
        select(DagRun).where(DagRun.dag_id == dag_id, DagRun.state == "success").order_by(DagRun.id.desc()).limit(1)
    ).first()
    failed_in_a_row = session.scalar(
        select(func.count())
        .select_from(DagRun)
        .where(DagRun.dag_id == dag_id, DagRun.state == "failed", DagRun.id > (success.id if success else 0))
    )
    failed, not_run, task_states = _tasks(session, dag_id, last.run_id)
    earlier_failure = None
    if str(last.state) != "failed" and failed_in_a_row:
        run = session.scalars(
            select(DagRun).where(DagRun.dag_id == dag_id, DagRun.state == "failed").order_by(DagRun.id.desc()).limit(1)
        ).first()
        earlier_failure = (run.run_id, _tasks(session, dag_id, run.run_id)[0])
    return DagRunStatus(
        dag_id=dag_id,
        run_id=last.run_id,
        state=str(last.state),
        run_type=str(last.run_type),
        started_at=last.start_date or last.queued_at,
        ended_at=last.end_date,
        failed=failed,
        not_run=not_run,
        task_states=task_states,
        failed_in_a_row=failed_in_a_row or 0,
        last_success_at=(success.end_date or success.start_date) if success else None,
        earlier_failure=earlier_failure,
    )


def _tasks(session, dag_id: str, run_id: str) -> tuple[list[FailedTask], list[str], dict[str, str]]:
    """A run's failed tasks with their messages, the tasks an upstream failure kept from running, every state."""
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.xcom import XComModel
    from sqlalchemy import select

    instances = session.scalars(
        select(TaskInstance)
        .where(TaskInstance.dag_id == dag_id, TaskInstance.run_id == run_id)
        .order_by(TaskInstance.start_date, TaskInstance.task_id, TaskInstance.map_index)
    ).all()
    errors = {
        (row.task_id, row.map_index): XComModel.deserialize_value(row)
        for row in session.scalars(
            select(XComModel).where(
                XComModel.dag_id == dag_id, XComModel.run_id == run_id, XComModel.key == ERROR_XCOM_KEY
            )
        )
    }
    failed, not_run, task_states = [], [], {}
    for ti in instances:
        state = str(ti.state) if ti.state else "not started"
        name = ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.rendered_map_index or ti.map_index}]"
        if state == "failed":
            failed.append(FailedTask(name, _one_line(errors.get((ti.task_id, ti.map_index))) or NO_MESSAGE))
        elif state == "upstream_failed" and ti.task_id not in not_run:
            not_run.append(ti.task_id)
        if task_states.get(ti.task_id) != "failed":
            task_states[ti.task_id] = state
    return failed, not_run, task_states


def dag_run_lines(airflow: AirflowRuns) -> list[str]:
    lines = [f"DAG runs (Airflow: {airflow.where})"]
    if airflow.problem:
        return [*lines, f"  {airflow.problem}"]
    for dag_id, run in airflow.runs.items():
        if run is None:
            lines.append(f"  {dag_id:<18}never run")
            continue
        lines.append(
            f"  {dag_id:<18}{run.state.upper():<9}{_when(run.ended_at or run.started_at):<19}{run.run_type:<17}"
            f"{run.run_id}"
        )
        for task in run.failed[:5]:
            lines.append(f"    failed: {task.task}: {task.message}")
        if len(run.failed) > 5:
            lines.append(f"    ... and {len(run.failed) - 5} more failed task(s)")
        if run.not_run:
            lines.append(f"    not run (an upstream task failed): {', '.join(run.not_run)}")
        if run.earlier_failure:
            run_id, failed = run.earlier_failure
            lines.append(f"    the last failed run, {run_id}:")
            lines.extend(f"      failed: {task.task}: {task.message}" for task in failed[:5])
        if run.state != "success":
            since = f"last success {_when(run.last_success_at)}" if run.last_success_at else "never succeeded"
            lines.append(f"    {run.failed_in_a_row} failed run(s) in a row; {since}")
    return lines


# -- the warehouse --------------------------------------------------------------------------


def status_lines(conn: psycopg.Connection, airflow: AirflowRuns | None) -> list[str]:
    """Everything `rentan status` shows, as lines: runs, feeds, quarantine, dbt, validation, publication."""
    if not _exists(conn, "audit", "pipeline_health"):
        return ["the warehouse is not migrated yet: run `rentan run` (or any DAG) first"]
    lines = dag_run_lines(airflow) if airflow is not None else []
    transform = airflow.runs.get(TRANSFORM_DAG) if airflow is not None and not airflow.problem else None
    return [
        *lines,
        *feed_lines(conn),
        *redelivery_lines(conn),
        *dbt_lines(conn),
        *published_lines(conn),
        *last_build_lines(conn, transform),
        *lookup_lines(conn),
        *backup_lines(conn),
    ]


def feed_lines(conn: psycopg.Connection) -> list[str]:
    lines = [
        "Feeds (current = LOADED batches)",
        f"  {'feed':<18}{'snapshot':<12}{'loaded at':<18}{'rows':>12}{'quarantined':>13}{'rejected':>10}"
        "  file of the latest snapshot",
    ]
    rows = {
        row[0]: row[1:]
        for row in conn.execute(
            """select feed, current_snapshot, last_loaded_at, rows_loaded, rows_quarantined, files_rejected,
                  latest_file, last_file, last_status
           from audit.health_feeds"""
        )
    }
    for feed in sorted(set(CONTRACTS) | set(rows)):
        if feed not in rows:
            lines.append(f"  {feed:<18}never loaded")
            continue
        snapshot, loaded_at, loaded, quarantined, rejected, latest_file, last_file, last_status = rows[feed]
        # The latest delivery, when it is not that file: a rejected file, or an older snapshot loaded later.
        later = f"; last delivered {last_file} ({last_status})" if last_file != latest_file else ""
        lines.append(
            f"  {feed:<18}{str(snapshot or '-'):<12}{_when(loaded_at):<18}{loaded:>12,}{quarantined:>13,}"
            f"{rejected:>10}  {latest_file or '-'}{later}"
        )
    top = conn.execute(
        """select manifest.feed, quarantine.reason_code, count(*)
           from meta.quarantine as quarantine
           join meta.load_manifest as manifest on manifest.batch_id = quarantine.batch_id
           where manifest.status = 'LOADED'
           group by 1, 2 order by 3 desc, 1, 2 limit 5"""
    ).fetchall()
    if top:
        lines.append("  top quarantine reasons: " + ", ".join(f"{feed} {reason} {n:,}" for feed, reason, n in top))
    return lines


def redelivery_lines(conn: psycopg.Connection) -> list[str]:
    """Files that replaced an earlier delivery of the same snapshot (meta.load_manifest.replaced_by)."""
    rows = conn.execute(
        """select old.feed, old.snapshot_date, old.file_name, new.file_name, new.finished_at, new.run_id,
                  count(*) over () as total
           from meta.load_manifest as old
           join meta.load_manifest as new on new.batch_id = old.replaced_by
           order by new.finished_at desc, new.batch_id desc limit 5"""
    ).fetchall()
    if not rows:
        return ["re-deliveries: none (no file has replaced an earlier one)"]
    lines = [f"re-deliveries: {rows[0][6]} file(s) replaced an earlier delivery of their snapshot"]
    for feed, snapshot, old, new, at, run_id, _ in rows:
        lines.append(f"  {feed} {snapshot or '-'}: {new} replaced {old} at {_when(at)} (run {run_id})")
    return lines


def dbt_lines(conn: psycopg.Connection) -> list[str]:
    run = conn.execute("""select run_id, finished_at, nodes, failures, warnings, seconds
                          from audit.health_dbt_runs order by finished_at desc, run_id desc limit 1""").fetchone()
    if run is None:
        return ["dbt: no build recorded yet"]
    run_id, finished, nodes, failures, warnings, seconds = run
    lines = [
        f"dbt: last build {run_id} at {_when(finished)}: {nodes} nodes, {failures} failed, {warnings} warned, "
        f"{seconds or 0:.0f}s of work"
    ]
    for unique_id, status, message in conn.execute(
        """select unique_id, status, message from audit.health_dbt_last_run
               where is_failure order by unique_id limit 5"""
    ):
        lines.append(f"  {status}: {unique_id}: {_one_line(message)[:80]}")
    slowest = conn.execute("""select unique_id, seconds from audit.health_dbt_last_run
                              where is_slowest_model order by seconds desc nulls last limit 3""").fetchall()
    if slowest:
        lines.append(
            "  slowest models: " + ", ".join(f"{name.split('.')[-1]} {secs or 0:.1f}s" for name, secs in slowest)
        )
    return lines


def published_lines(conn: psycopg.Connection) -> list[str]:
    """The published version, what it was built from, and the validation of that very build."""
    row = conn.execute(
        "select version, run_id, published_at, inputs from meta.publish_log order by version desc limit 1"
    ).fetchone()
    if row is None:
        return ["published: nothing published yet"]
    version, run_id, published_at, inputs = row
    lines = [f"published: version {version}, run {run_id}, at {_when(published_at)}"]
    if inputs is None:
        lines.append("  built from: not recorded (published before meta.publish_log kept its inputs)")
    else:
        lines.append(f"  parameters: {_parameters(inputs.get('params') or {})}")
        lines.append(f"  files: {_files(conn, inputs.get('batches') or {})}")
        lines.append(
            f"  pseudonym key {inputs.get('key') or '-'}, project {str(inputs.get('project') or '-')[:12]}"
            + (", a --reselect build" if inputs.get("reselect") else "")
        )
    return [*lines, *validation_lines(conn, run_id, "that build")]


def last_build_lines(conn: psycopg.Connection, transform: DagRunStatus | None) -> list[str]:
    """The last transform run, when it is not the published one: did its validation run, and how did it end."""
    published = conn.execute("select run_id from meta.publish_log order by version desc limit 1").fetchone()
    if transform is not None:
        run_id = transform.run_id
        how = transform.task_states.get("validate")
    else:  # no Airflow record: the last run with a dbt build or checks stands for the last transform run
        row = conn.execute(
            """select run_id from (
                   select run_id, finished_at from audit.health_dbt_runs
                   union all
                   select run_id, finished_at from audit.health_validation_runs
               ) as runs
               order by finished_at desc, run_id desc limit 1"""
        ).fetchone()
        if row is None:
            return []
        run_id, how = row[0], None
    if published and published[0] == run_id:
        return []
    label = f"the last transform run {run_id} (not published)"
    if how is not None and how != "success" and not _has_results(conn, run_id):
        return [f"validation of {label}: no results (its validate task: {how})"]
    return validation_lines(conn, run_id, label)


def validation_lines(conn: psycopg.Connection, run_id: str, label: str) -> list[str]:
    """The checks of one run (audit.health_validation_runs): never "passed" for a run that has no results."""
    row = conn.execute(
        "select checks, failures, warnings, skipped from audit.health_validation_runs where run_id = %s", (run_id,)
    ).fetchone()
    if row is None:
        return [f"validation of {label}: did not run (no results for run {run_id})"]
    checks, failures, warnings, skipped = row
    lines = [
        f"validation of {label}: {checks} checks, {'FAILED, ' + str(failures) + ' failed' if failures else 'passed'}, "
        f"{warnings} warned, {skipped} skipped"
    ]
    if failures:
        names = conn.execute(
            """select suite || '.' || check_name from audit.validation_results
               where run_id = %s and success is false and severity = 'fail' order by 1 limit 5""",
            (run_id,),
        ).fetchall()
        lines.append("  failed: " + ", ".join(name for (name,) in names))
    return [*lines, *warning_lines(conn, run_id)]


def warning_lines(conn: psycopg.Connection, run_id: str) -> list[str]:
    """The run's warn-level checks that did not pass, each as a readable sentence with its numbers."""
    from rentan.validate.sentences import sentence
    from rentan.wap.checks import CheckResult

    rows = conn.execute(
        """select suite, check_name, severity, success, observed_value, unexpected_count, details
           from audit.validation_results where run_id = %s and success is false and severity = 'warn'
           order by suite, check_name""",
        (run_id,),
    ).fetchall()
    return [f"  warning: {sentence(conn, CheckResult(*row), run_id)}" for row in rows]


def lookup_lines(conn: psycopg.Connection) -> list[str]:
    """How often officers looked people up (audit.person_lookup, migration V017)."""
    if not _exists(conn, "audit", "person_lookup"):
        return []
    count, logins, last = conn.execute(
        "select count(*), count(distinct login), max(looked_up_at) from audit.person_lookup"
    ).fetchone()
    return [
        f"person look-ups (rentan explain): {count:,}"
        + (f" by {logins} login(s), last at {_when(last)}" if count else "")
    ]


# -- helpers --------------------------------------------------------------------------


def _parameters(params: dict) -> str:
    """The build's parameters, as those differing from the deployment's (parameters.yml, RENTAN_PARAMS_FILE)."""
    from rentan.parameters import load_parameters, source

    defaults = load_parameters()
    changed = [
        f"{name}={value} ({source()}: {defaults.get(name)})"
        for name, value in sorted(params.items())
        if defaults.get(name) != value
    ]
    return ", ".join(changed) if changed else f"as in {source()}"


def _files(conn: psycopg.Connection, batches: dict) -> str:
    """Per feed, how many load batches the build read, and the latest file among them."""
    ids = [int(batch) for ids in batches.values() for batch in ids]
    names = dict(
        conn.execute("select batch_id, file_name from meta.load_manifest where batch_id = any(%s)", (ids,)).fetchall()
    )
    parts = []
    for feed, feed_ids in sorted(batches.items()):
        last = names.get(max(int(batch) for batch in feed_ids), "?") if feed_ids else "-"
        parts.append(f"{feed} {len(feed_ids)} file(s), last {last}")
    return ", ".join(parts) if parts else "none"


def _has_results(conn: psycopg.Connection, run_id: str) -> bool:
    return conn.execute(
        "select exists (select 1 from audit.validation_results where run_id = %s)", (run_id,)
    ).fetchone()[0]


def _describe_database(url: str) -> str:
    """The metadata database without its password."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:  # a URL SQLAlchemy cannot parse: Airflow will say so when it connects
        return "(unparsable sql_alchemy_conn)"


def _one_line(value) -> str:
    text = "" if value is None else str(value).strip()
    return text.splitlines()[0][:200] if text else ""


def _exists(conn: psycopg.Connection, schema: str, name: str) -> bool:
    return conn.execute("select to_regclass(%s) is not null", (f"{schema}.{name}",)).fetchone()[0]


def _when(value) -> str:
    if not isinstance(value, dt.datetime):
        return "-" if value is None else str(value)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M") + "Z"
