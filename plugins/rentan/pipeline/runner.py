"""Run the pipeline's DAGs through Airflow in this process, with the DAGs' own `dag.test()`, for the CLI.

Airflow's home is `.airflow/` in the repo (git-ignored) unless AIRFLOW_HOME is set; its
metadata database (SQLite there) is migrated through Airflow's own API when it is behind.
Each run lands in that database as any run does, so `rentan airflow` and `rentan status`
show it: its task instances, their XComs (a failed task's message is XCom `error`, pushed by
dag_policy.record_error) and its task logs, written where Airflow's UI reads them
(`<home>/logs/dag_id=.../attempt=N.log`, by rentan.pipeline.task_logs). Everything else
Airflow logs during a CLI run goes to `<home>/logs/rentan-run.log`, not to the screen: the CLI
prints what the outcome says.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rentan.paths import DAGS_DIR, REPO_ROOT
from rentan.pipeline.dag_policy import ERROR_XCOM

RUN_LOG = "rentan-run.log"


@dataclass(frozen=True)
class TaskOutcome:
    task_id: str
    map_index: int
    state: str | None
    label: str | None = None  # a mapped task's rendered name (the landing file)
    error: str | None = None
    log_file: Path | None = None  # its last try's log, where Airflow's UI reads it

    @property
    def name(self) -> str:
        if self.map_index < 0:
            return self.task_id
        return f"{self.task_id}[{self.label or self.map_index}]"


@dataclass(frozen=True)
class DagRunOutcome:
    dag_id: str
    run_id: str
    state: str
    seconds: float
    tasks: list[TaskOutcome]
    results: dict[str, Any] = field(default_factory=dict)  # return values of the unmapped tasks
    log_file: Path | None = None

    @property
    def success(self) -> bool:
        return self.state == "success"

    @property
    def failed(self) -> list[TaskOutcome]:
        return [t for t in self.tasks if t.state == "failed"]

    @property
    def errors(self) -> list[str]:
        """One line per failed task: its name and its own message."""
        return [f"{t.name}: {t.error or '(no message recorded: see its log)'}" for t in self.failed]

    def task_logs(self) -> str:
        """The messages of every task's log of this run, one a line (the files hold JSON lines)."""
        lines = []
        for t in self.tasks:
            if t.log_file and t.log_file.exists():
                for line in t.log_file.read_text().splitlines():
                    event = json.loads(line)
                    lines.append(f"{t.name} {event.get('level', '')}: {event.get('event', '')}")
        return "\n".join(lines)

    def states(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for t in self.tasks:
            counts[t.state or "none"] = counts.get(t.state or "none", 0) + 1
        return counts


def airflow_home() -> Path:
    return Path(os.environ.get("AIRFLOW_HOME", REPO_ROOT / ".airflow"))


def airflow_env(warehouse_url: str) -> dict[str, str]:
    """This environment with Airflow pointed at the project's home, DAGs and warehouse."""
    env = dict(os.environ)
    env.update(
        {
            "AIRFLOW_HOME": str(airflow_home()),
            "AIRFLOW__CORE__DAGS_FOLDER": os.environ.get("AIRFLOW__CORE__DAGS_FOLDER", str(DAGS_DIR)),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "WAREHOUSE_URL": warehouse_url,
            "PYTHONWARNINGS": "ignore",
        }
    )
    return env


def start() -> Path:
    """Prepare this process for DAG runs, once: Airflow's home and DAGs, logging, metadata database.

    Returns the run log's path. Must come before anything imports Airflow (it reads its
    home and configuration at import).
    """
    home = airflow_home()
    if "airflow" in sys.modules and os.environ.get("AIRFLOW_HOME") != str(home):
        raise RuntimeError("Airflow was imported before its home was set (a bug in the caller)")
    os.environ["AIRFLOW_HOME"] = str(home)
    os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(DAGS_DIR))
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    from rentan.pipeline.task_logs import listener  # imports Airflow: only once its home and DAGs are set

    if "airflow.settings" in sys.modules:  # imported already (a test session): the dags-folder bundle reads this
        sys.modules["airflow.settings"].DAGS_FOLDER = os.environ["AIRFLOW__CORE__DAGS_FOLDER"]
    (home / "logs").mkdir(parents=True, exist_ok=True)
    run_log = home / "logs" / RUN_LOG
    if listener.router is None:
        listener.route_process_logging(run_log)
        migrate_metadata()
    return run_log


def migrate_metadata() -> bool:
    """Create or upgrade Airflow's metadata database when it is behind this Airflow; True if it was."""
    from airflow.utils import db

    try:
        db.check_migrations(timeout=0)
        return False
    except TimeoutError:  # Airflow's way of saying "migrations are pending" (or the database is new)
        db.upgradedb()
        return True


_dags: dict = {}


def load_dag(dag_id: str):
    """The DAG as its file defines it, parsed once per process from the dags folder."""
    if not _dags:
        from airflow.configuration import conf
        from airflow.dag_processing.dagbag import DagBag

        bag = DagBag(dag_folder=conf.get("core", "dags_folder"))
        if bag.import_errors:
            file, error = next(iter(bag.import_errors.items()))
            raise RuntimeError(f"{file} does not parse: {error.strip().splitlines()[-1]}")
        _dags.update(bag.dags)
    if dag_id not in _dags:
        raise RuntimeError(f"no DAG {dag_id} in {DAGS_DIR}")
    return _dags[dag_id]


def run_dag(dag_id: str, conf: dict, warehouse_url: str) -> DagRunOutcome:
    """Run one DAG to completion in this process (`dag.test`) against the warehouse at `warehouse_url`;
    the outcome as its task instances say."""
    start()  # before the listener's import: it imports Airflow, which reads its home at import
    from rentan.pipeline.task_logs import listener

    dag = load_dag(dag_id)
    started = time.monotonic()
    routed = len(listener.routed)
    with _warehouse(warehouse_url), _without_deadline_alerts(dag):
        dag_run = dag.test(run_conf=conf)
    result = outcome(dag_id, dag_run.run_id, seconds=time.monotonic() - started)
    if len(listener.routed) == routed and any(t.state in ("success", "failed") for t in result.tasks):
        raise RuntimeError(
            "Airflow ran tasks without telling the rentan_task_logs plugin's listener, so their logs are not "
            "where Airflow's UI reads them: reinstall the rentan package (its airflow.plugins entry point)"
        )
    return result


def outcome(dag_id: str, run_id: str, seconds: float = 0.0) -> DagRunOutcome:
    """A run's state, its task instances and their XComs, read from Airflow's metadata database."""
    from airflow.models.dagrun import DagRun
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.xcom import XComModel
    from airflow.utils.helpers import log_filename_template_renderer
    from airflow.utils.session import create_session
    from sqlalchemy import select

    render = log_filename_template_renderer()
    logs = Path(conf_get("logging", "base_log_folder"))
    with create_session() as session:
        state = session.scalar(select(DagRun.state).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id))
        tis = [
            (ti.task_id, ti.map_index, ti.state, ti.rendered_map_index, logs / render(ti=ti))
            for ti in session.scalars(
                select(TaskInstance)
                .where(TaskInstance.dag_id == dag_id, TaskInstance.run_id == run_id)
                .order_by(TaskInstance.start_date, TaskInstance.task_id, TaskInstance.map_index)
            )
        ]
        xcoms = session.execute(
            select(XComModel.task_id, XComModel.map_index, XComModel.key, XComModel.value).where(
                XComModel.dag_id == dag_id,
                XComModel.run_id == run_id,
                XComModel.key.in_([ERROR_XCOM, "return_value"]),
            )
        ).all()
    values = {(t, m, k): XComModel.deserialize_value(_Row(v)) for t, m, k, v in xcoms}
    tasks = [TaskOutcome(t, m, _value(s), label, values.get((t, m, ERROR_XCOM)), log) for t, m, s, label, log in tis]
    results = {t: v for (t, m, k), v in values.items() if k == "return_value" and m < 0}
    return DagRunOutcome(
        dag_id, run_id, _value(state) or "none", seconds, tasks, results, airflow_home() / "logs" / RUN_LOG
    )


def _value(state) -> str | None:
    return None if state is None else str(getattr(state, "value", state))


def conf_get(section: str, key: str) -> str:
    from airflow.configuration import conf

    return conf.get(section, key)


@dataclass
class _Row:  # XComModel.deserialize_value reads `.value`
    value: Any


@contextlib.contextmanager
def _warehouse(url: str) -> Iterator[None]:
    """The tasks' warehouse (WAREHOUSE_URL), for this run only."""
    previous = os.environ.get("WAREHOUSE_URL")
    os.environ["WAREHOUSE_URL"] = url
    try:
        yield
    finally:
        if previous is None:
            del os.environ["WAREHOUSE_URL"]
        else:
            os.environ["WAREHOUSE_URL"] = previous


@contextlib.contextmanager
def _without_deadline_alerts(dag) -> Iterator[None]:
    """Run `dag` without its deadline alerts: a CLI run is a manual run, with no due day.

    Airflow 3.3.2's dag.test() cannot finish a run of a DAG with a deadline alert: its in-memory
    scheduler DAG keeps the alerts as encoded dicts instead of the ids the stored DAG has,
    and DagRun.update_state looks those up by id when the run succeeds (docs/decisions/operations-and-stopping.md).
    The stored DAG, which the scheduler runs, keeps its alerts.
    """
    alerts = dag.deadline
    dag.deadline = None
    try:
        yield
    finally:
        dag.deadline = alerts


def ensure_metadata_db(env: dict) -> None:
    """Migrate the metadata database of `env`'s Airflow home when needed (for `rentan airflow`)."""
    os.environ["AIRFLOW_HOME"] = env["AIRFLOW_HOME"]
    migrate_metadata()


# Task states of a task that had started (it is marked failed when its run is stopped) and of one that
# had not (skipped): the run is over either way.
_STARTED_STATES = ("running", "queued", "up_for_retry", "up_for_reschedule", "restarting", "deferred")
_WAITING_STATES = ("scheduled", None)


def close_unfinished_runs(dag_ids: tuple[str, ...], note: str, started_after=None) -> list[tuple[str, str]]:
    """Mark the runs of `dag_ids` still queued or running (since `started_after`, a datetime) as failed.

    For a run whose process was stopped or killed: without this it would show "running" in the
    UI for ever. Its started tasks become failed, its waiting ones skipped; `note` says why.
    Returns (dag_id, run_id) of each run closed. Needs AIRFLOW_HOME set, not start().
    """
    os.environ.setdefault("AIRFLOW_HOME", str(airflow_home()))
    from airflow.models.dagrun import DagRun
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    closed = []
    with create_session() as session:
        query = select(DagRun).where(
            DagRun.dag_id.in_(dag_ids),
            DagRun.state.in_(("queued", "running")),
            DagRun.triggering_user_name == "dag_test",  # runs of dag.test(), i.e. of `rentan run`: not the scheduler's
        )
        if started_after is not None:
            query = query.where(DagRun.run_after >= started_after)
        for dag_run in session.scalars(query):
            for ti in session.scalars(
                select(TaskInstance).where(TaskInstance.dag_id == dag_run.dag_id, TaskInstance.run_id == dag_run.run_id)
            ):
                state = _value(ti.state)
                if state in _STARTED_STATES:
                    ti.state = "failed"
                elif state in _WAITING_STATES:
                    ti.state = "skipped"
            dag_run.state = "failed"
            dag_run.note = note
            closed.append((dag_run.dag_id, dag_run.run_id))
    return closed
