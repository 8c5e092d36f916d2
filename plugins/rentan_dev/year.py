"""`rentan year`: the programme year under the real scheduler, with its faults, on one machine.

A fresh warehouse (an embedded PostgreSQL of its own, so it can be restarted), Airflow's
metadata in a database of another PostgreSQL (as docker-compose keeps them apart), the four
components with the LocalExecutor (two slots, like the machine's two cores), a webhook that
receives the alerts, and a landing area the providers fill month by month while the
scheduler runs. Nothing calls `rentan run`: the triggerer notices the files, the ingest
DAG loads them, its assets start the transform, the marts asset the report.

The year (`STEPS`), three deliveries and four faults:
1. the selection snapshots and January, some with a `.sha256` sidecar, some written
   slowly; a worker slot is held by a long task; the task process loading January's Dukcapil
   file is killed (SIGKILL) in the middle of its COPY;
2. February, whose payment file comes without its `total_iuran` column: rejected; then the
   nightly backup DAG runs (`rentan_backup`), the scheduler running;
3. March and February's payment file again, fixed; the warehouse restarts during the dbt
   build; on-call clears the failed task, and backfills February's report.
After each step `rentan status` is kept as it read then. Everything measured is in `Year`.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from rentan.ingest.contracts import RAW_TABLES
from rentan.paths import DAGS_DIR
from rentan.warehouse import connect
from rentan.warehouse.embedded import EmbeddedWarehouse
from rentan.warehouse.migrate import migrate
from rentan_dev import deliveries, stack
from rentan_dev.receiver import Receiver
from rentan_dev.synth import generate

RENTAN = str(Path(sys.executable).parent / "rentan")
DAG_IDS = ("rentan_ingest", "rentan_transform", "rentan_report")
BUSY_DAG = Path(__file__).parent / "year_dags" / "rentan_busy.py"
BACKUP_DAG = DAGS_DIR / "rentan_backup.py"
SEED = 5
PEOPLE = 1000
# A small city with a waiting list: deaths free slots and replacements are called.
PARAMS = {"quota": 50}
# How the year's deliveries arrive (the rest: whole, at once).
SLOWLY = {"dukcapil/dukcapil_20251130.csv", "bpjs_iuran/bpjs_iuran_202601.csv", "dukcapil/dukcapil_20260331.csv"}
SIDECAR = {
    "dtsen/dtsen_20251201.csv",
    "bpjs_kepesertaan/bpjs_kepesertaan_20260131.csv",
    "bpjs_iuran/bpjs_iuran_202602.csv",
}
KILLED_FEED = "dukcapil"  # the first load of this feed in the year is killed mid-COPY
REJECTED_FILE = "bpjs_iuran/bpjs_iuran_202602.csv"  # first delivered without this column:
REJECTED_COLUMN = "total_iuran"
ALERTS_PATH = "/alerts"  # the webhook's path on the receiver; OpenLineage posts under /api/v1/lineage
# The deployment's settings that make a year fit in minutes (production: the defaults).
SETTINGS = {
    "RENTAN_LANDING_POLL_SECONDS": "3",
    "RENTAN_LANDING_SETTLE_SECONDS": "4",
    "RENTAN_RETRY_DELAY_SECONDS": "4",
    "AIRFLOW__CORE__PARALLELISM": "2",
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_SEC": "5",
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "30",
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
    "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
}


@dataclass
class Step:
    """What one step of the year left: new runs per DAG, alerts, `rentan status`, facts of its fault."""

    label: str
    seconds: float = 0.0
    runs: dict[str, list[dict]] = field(default_factory=dict)
    alerts: list[dict] = field(default_factory=list)
    status: list[str] = field(default_factory=list)  # `rentan status` after the step (and after a fault)
    facts: dict = field(default_factory=dict)


@dataclass
class Year:
    root: Path
    generated: Path
    landing: Path
    reports: Path
    params_file: Path
    warehouse: EmbeddedWarehouse
    warehouse_url: str
    stack: stack.Stack
    alerts: Receiver
    arrivals: dict[str, float] = field(default_factory=dict)  # landing file -> when its delivery was complete
    steps: list[Step] = field(default_factory=list)

    # -- what the year reads ---------------------------------------------------------------
    def query(self, text: str, params: tuple = ()) -> list[tuple]:
        with connect(self.warehouse_url) as conn:
            return conn.execute(text, params).fetchall()

    def status(self) -> list[str]:
        """`rentan status` as on-call would run it on this deployment."""
        done = subprocess.run(
            [RENTAN, "status"], env=self.env(), capture_output=True, text=True, timeout=300, check=False
        )
        return (done.stdout + done.stderr).splitlines()

    def env(self) -> dict[str, str]:
        keys = ("AIRFLOW_HOME", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC")
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")},
            **{k: self.stack.env[k] for k in keys},
            "WAREHOUSE_URL": self.warehouse_url,
            "RENTAN_PARAMS_FILE": str(self.params_file),
        }

    def published_version(self) -> int:
        return self.query("select coalesce(max(version), 0) from meta.publish_log")[0][0]

    def runs(self) -> dict[str, list[dict]]:
        return {dag_id: self.stack.runs(dag_id) for dag_id in DAG_IDS}

    def arrival_to_published(self) -> dict[str, float]:
        """Seconds from each file's delivery to the first publication built from its batch."""
        rows = self.query(
            """select manifest.file_name, min(log.published_at)
               from meta.load_manifest as manifest
               join meta.publish_log as log
                 on log.inputs -> 'batches' -> manifest.feed @> to_jsonb(manifest.batch_id)
               where manifest.status in ('LOADED', 'REPLACED')
               group by manifest.file_name"""
        )
        return {name: round(at.timestamp() - self.arrivals[name], 1) for name, at in rows if name in self.arrivals}

    # -- what the year does ----------------------------------------------------------------
    def deliver(self, names, broken: dict[str, str] | None = None) -> None:
        """The providers deliver `names` (feed/file), one after the other, each the way it is set above."""
        for name in names:
            source = self.generated / name
            if broken and name in broken:
                source = self.root / "broken" / name
                deliveries.break_file(self.generated / name, source, broken[name])
            how = "slowly" if name in SLOWLY else "sidecar" if name in SIDECAR else "whole"
            self.arrivals[name] = deliveries.deliver(source, self.landing, name, how)

    def wait(self, what: str, done: Callable[[], bool], timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            if exited := self.stack.processes.exited():
                raise RuntimeError(f"{what}: Airflow component(s) stopped: {exited} (see {self.stack.home}/logs)")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what}: not done within {timeout:g}s (see {self.stack.home}/logs)")
            time.sleep(2)

    def quiet(self) -> bool:
        """No run of the pipeline is queued or running."""
        return all(r["state"] in ("success", "failed") for runs in self.runs().values() for r in runs)

    def backups(self) -> list[str]:
        """The complete backups the rentan_backup DAG wrote, oldest first."""
        return sorted(str(p) for p in (self.root / "backups").glob("rentan-*") if (p / "backup.json").is_file())

    def reported(self, period: str) -> bool:
        return (self.reports / f"ringkasan_rekonsiliasi_{period}.pdf").exists()

    def step(self, label: str, body: Callable[[Step], None], say: Callable[..., None]) -> Step:
        say(f"\n== {label}", flush=True)
        before = {dag_id: {r["dag_run_id"] for r in runs} for dag_id, runs in self.runs().items()}
        alerts_before = len(self.alerts.bodies(ALERTS_PATH))
        started = time.monotonic()
        step = Step(label)
        published_before = self.published_version()
        body(step)
        step.facts["published"] = (published_before, self.published_version())
        step.seconds = round(time.monotonic() - started, 1)
        step.runs = {
            dag_id: [r for r in runs if r["dag_run_id"] not in before[dag_id]] for dag_id, runs in self.runs().items()
        }
        step.alerts = self.alerts.bodies(ALERTS_PATH)[alerts_before:]
        step.status = self.status()
        self.steps.append(step)
        for dag_id, runs in step.runs.items():
            say(f"  {dag_id}: " + (", ".join(f"{r['state']} ({_seconds(r)})" for r in runs) or "no run"))
        for alert in step.alerts:
            say(f"  alert: {alert.get('text', alert)}")
        for name, fact in step.facts.items():
            if not isinstance(fact, list):
                say(f"  {name}: {fact}")
        say(*[f"  | {line}" for line in step.status], sep="\n")
        say(f"  ({step.seconds:.0f}s)", flush=True)
        return step


# -- the faults ----------------------------------------------------------------------------------

# Test instrumentation, as the superuser: the first new batch table of the feed (a sequence counts
# them: it is not rolled back with the killed load) gets a row trigger that sleeps 3 ms, so its COPY
# lasts seconds and can be caught. Only that table: the feed's other loads never name the function.
SLOW_COPY = """
create schema if not exists rentan_fault;
grant usage on schema rentan_fault to rentan_etl;
create sequence if not exists rentan_fault.instrumented;
grant usage on all sequences in schema rentan_fault to rentan_etl;
create or replace function rentan_fault.slow_row() returns trigger language plpgsql as
$$ begin perform pg_sleep(0.003); return new; end $$;
create or replace function rentan_fault.slow_copies() returns event_trigger language plpgsql as $$
declare created record;
begin
    for created in select * from pg_event_trigger_ddl_commands()
                   where command_tag = 'CREATE TABLE' and object_identity like 'raw.FEED%' loop
        continue when nextval('rentan_fault.instrumented') > 1;
        execute format('create trigger slow_copy before insert on %s for each row execute function '
                       'rentan_fault.slow_row()', created.object_identity);
    end loop;
end $$;
grant execute on all functions in schema rentan_fault to rentan_etl;
create event trigger rentan_fault_slow_copies on ddl_command_end when tag in ('CREATE TABLE')
    execute function rentan_fault.slow_copies();
"""


def kill_mid_copy(year: Year, feed: str, timeout: float = 300) -> dict:
    """Slow the COPYs into `feed`'s new batches, wait for one under way, SIGKILL the task process sending it.

    The process is found from the warehouse's side: the COPY's backend (pg_stat_progress_copy),
    its client address and port, and the process of this stack holding that TCP connection
    (never anything else on the machine).
    """
    import psutil

    from rentan_dev.local_airflow import descendants

    admin = year.warehouse.url()
    port = int(year.warehouse.port_file.read_text())
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(SLOW_COPY.replace("FEED", feed))
    try:
        deadline = time.monotonic() + timeout
        with psycopg.connect(admin, autocommit=True) as conn:
            while True:
                # the batch table is the loader's, uncommitted: known to others by the COPY's text only
                row = conn.execute(
                    """select progress.tuples_processed, host(activity.client_addr), activity.client_port,
                              substring(activity.query from '^copy ("raw"\\."[a-z_0-9]+")')
                       from pg_stat_progress_copy as progress
                       join pg_stat_activity as activity using (pid)
                       where activity.query like %s and progress.tuples_processed > 50""",
                    (f'copy "raw"."{feed}_b%',),
                ).fetchone()
                if row:
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError(f"no COPY into raw.{feed} within {timeout:g}s")
                time.sleep(0.05)
        rows_copied, client_host, client_port, table = row
        ours = descendants({p.pid for p in year.stack.processes.processes.values()})
        holding = {pid for pid in ours if _holds(pid, (client_host, client_port, port))}
        # the loader's screen, forked while COPY streams, shares the socket: the task process is its parent
        [pid] = {p for p in holding if psutil.Process(p).ppid() not in holding}
        command = " ".join(psutil.Process(pid).cmdline())
        os.kill(pid, signal.SIGKILL)
        return {"pid": pid, "command": command, "rows_copied_when_killed": rows_copied, "table": table}
    finally:
        # The event trigger only: dropping its functions while another load of the feed fires it made that
        # load fail ("referenced function was concurrently dropped"); the schema goes with the warehouse.
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("drop event trigger if exists rentan_fault_slow_copies")


def _holds(pid: int, connection: tuple[str, int, int]) -> bool:
    """Whether process `pid` has the TCP connection (local address, local port, remote port) open."""
    import psutil

    try:
        return any(
            c.laddr and c.raddr and (c.laddr.ip, c.laddr.port, c.raddr.port) == connection
            for c in psutil.Process(pid).net_connections(kind="tcp")
        )
    except psutil.Error:  # gone meanwhile
        return False


def restart_during_dbt_build(year: Year, timeout: float = 600) -> dict:
    """Wait until dbt is building (its sessions in the warehouse), then restart the warehouse."""
    admin = year.warehouse.url()
    deadline = time.monotonic() + timeout
    with psycopg.connect(admin, autocommit=True) as conn:
        while True:
            busy = conn.execute(
                """select count(*) filter (where application_name = 'dbt' and state = 'active'),
                          count(*) filter (where application_name like 'rentan transform %%')
                   from pg_stat_activity"""
            ).fetchone()
            if busy[0] and busy[1]:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"no dbt build within {timeout:g}s")
            time.sleep(0.2)
    time.sleep(2)  # a few models in
    restarted = time.time()
    year.warehouse.restart()
    return {"restarted_at": restarted, "dbt_sessions": busy[0]}


@dataclass
class Busy:
    """A long task holding one of the two worker slots while `release()` is not called."""

    year: Year
    marker: Path

    def start(self) -> str:
        self.marker.write_text("busy")
        run_id = self.year.stack.trigger("rentan_busy", {"marker": str(self.marker)})
        self.year.wait("the long task holds a slot", lambda: self.running(run_id), timeout=300)
        return run_id

    def running(self, run_id: str) -> bool:
        return any(ti["state"] == "running" for ti in self.year.stack.task_instances("rentan_busy", run_id))

    def release(self) -> None:
        self.marker.unlink(missing_ok=True)


# -- the year ------------------------------------------------------------------------------------


def prepare(root: Path, metadata_server_url: str) -> Year:
    """Generate the city, start a fresh warehouse, Airflow (metadata on PostgreSQL) and the webhook."""
    root.mkdir(parents=True, exist_ok=True)
    generated, landing, reports = root / "generated", root / "landing", root / "reports"
    generate(generated, seed=SEED, people=PEOPLE, params=PARAMS)
    landing.mkdir(exist_ok=True)
    params_file = root / "params.yml"
    params_file.write_text("".join(f"{k}: {v}\n" for k, v in PARAMS.items()))
    # outside any pytest temp folder: the server runs as another OS user when started as root
    warehouse = EmbeddedWarehouse(Path(tempfile.mkdtemp(prefix="rentan-year-warehouse-")))
    with psycopg.connect(warehouse.start(), autocommit=True) as conn:
        migrate(conn, RAW_TABLES)  # as the deployment's init does: the DAGs' tasks never migrate
    dags = stack.pipeline_dags(root / "dags", extra=(BUSY_DAG, BACKUP_DAG))
    alerts = Receiver().__enter__()
    settings = {
        **SETTINGS,
        "RENTAN_LANDING": str(landing),
        "RENTAN_REPORTS": str(reports),
        "RENTAN_PARAMS_FILE": str(params_file),
        "RENTAN_ALERT_WEBHOOK": f"{alerts.url}{ALERTS_PATH}",
        "OPENLINEAGE_URL": alerts.url,  # the catalogue's receiver: events arrive under /api/v1/lineage
        "OPENLINEAGE_NAMESPACE": "rentan",
        "RENTAN_DBT_DIR": str(root / "dbt"),
        "RENTAN_BACKUP_DIR": str(root / "backups"),
        "RENTAN_PSEUDONYM_KEY": os.environ.get("RENTAN_PSEUDONYM_KEY") or "rentan-year-pseudonym-key",
    }
    url = warehouse.url(login="rentan_etl_user")
    airflow = stack.start(
        home=root / "airflow",
        metadata_url=stack.metadata_database(metadata_server_url),
        warehouse_url=url,
        settings=settings,
        dags_folder=dags,
    )
    year = Year(root, generated, landing, reports, params_file, warehouse, url, airflow, alerts)
    try:
        airflow.wait_healthy()
        airflow.wait_for_dags((*DAG_IDS, "rentan_busy"))
    except BaseException:
        stop(year)
        raise
    return year


def stop(year: Year) -> None:
    year.stack.stop()
    year.alerts.__exit__(None, None, None)
    year.warehouse.stop()
    shutil.rmtree(year.warehouse.home, ignore_errors=True)


def play(year: Year, say: Callable[..., None] = lambda *a, **k: None) -> Year:
    """The three deliveries and their faults; each step waits until the pipeline is done with it."""
    plan = deliveries.schedule(year.generated, months=3)
    selection, january, february, march = (d.files for d in plan)

    def first(step: Step) -> None:
        busy = Busy(year, year.root / "busy.marker")
        step.facts["busy_run"] = busy.start()
        killer = _background(kill_mid_copy, year, KILLED_FEED)
        year.deliver(selection + january)
        step.facts["killed"] = killer.result()
        year.wait("January published and reported", lambda: year.reported("2026-01") and year.quiet())
        step.facts["busy_still_running"] = busy.running(step.facts["busy_run"])
        busy.release()

    def second(step: Step) -> None:
        year.deliver(february, broken={REJECTED_FILE: REJECTED_COLUMN})
        version = year.published_version()
        year.wait(
            "February's good files published",
            lambda: year.published_version() > version and year.quiet() and _last_report_done(year),
        )
        # the nightly backup, run now (as on-call would from the UI): mid-year, the scheduler running
        backup_run = year.stack.trigger("rentan_backup")
        year.wait("the backup", lambda: year.stack.runs("rentan_backup")[-1]["state"] in ("success", "failed"))
        [result] = [ti for ti in year.stack.task_instances("rentan_backup", backup_run) if ti["task_id"] == "back_up"]
        step.facts["backup"] = {"run": backup_run, "state": result["state"], "folders": year.backups()}
        step.facts["calls_at_backup"] = year.query(
            "select era, call_order, nik, slot_key, run_id from history.calls order by era, call_order"
        )

    def third(step: Step) -> None:
        step.facts["published_before_fault"] = year.published_version()
        restarter = _background(restart_during_dbt_build, year)
        year.deliver((REJECTED_FILE, *march))
        step.facts["restart"] = restarter.result()
        failed = []
        year.wait("the transform run failed", lambda: _failed_transform(year, failed))
        step.facts["failed_transform"] = failed[0]
        step.facts["status_after_fault"] = year.status()
        year.stack.clear_failed("rentan_transform", failed[0]["dag_run_id"])  # on-call, once the warehouse is back
        year.wait("March published and reported", lambda: year.reported("2026-03") and year.quiet())
        step.facts["backfill"] = year.stack.trigger("rentan_report", {"period": "2026-02"})
        year.wait("February's report backfilled", lambda: year.reported("2026-02") and year.quiet())

    year.step("1. selection and January; a slot busy; a load killed mid-COPY", first, say)
    year.step("2. February, its payment file rejected; the nightly backup", second, say)
    year.step("3. March and February's payments again; the warehouse restarts during the dbt build", third, say)
    return year


def _seconds(run: dict) -> str:
    """A run's time from start to end, as the API reports them."""
    if not run.get("start_date") or not run.get("end_date"):
        return "-"
    start, end = (dt.datetime.fromisoformat(run[k].replace("Z", "+00:00")) for k in ("start_date", "end_date"))
    return f"{(end - start).total_seconds():.0f}s"


def _failed_transform(year: Year, found: list) -> bool:
    failed = [r for r in year.stack.runs("rentan_transform") if r["state"] == "failed"]
    found[:] = failed
    return bool(failed)


def _last_report_done(year: Year) -> bool:
    runs = year.stack.runs("rentan_report")
    return bool(runs) and runs[-1]["state"] in ("success", "failed")


class _background(threading.Thread):
    """Run a fault while the main thread delivers; `result()` joins and re-raises its error."""

    def __init__(self, target, *args):
        super().__init__(daemon=True)
        self._call, self._args, self._result, self._error = target, args, None, None
        self.start()

    def run(self) -> None:
        try:
            self._result = self._call(*self._args)
        except BaseException as err:  # noqa: BLE001 - handed to the caller
            self._error = err

    def result(self, timeout: float = 900):
        self.join(timeout)
        if self._error is not None:
            raise self._error
        return self._result


def rentan_run(year: Year, url: str, name: str) -> None:
    """`rentan run` over the year's landing area, as a person would, into the warehouse at `url`."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW__DATABASE", "OPENLINEAGE"))},
        "WAREHOUSE_URL": url,
        "AIRFLOW_HOME": str(year.root / f"{name}-airflow"),
        "RENTAN_DBT_DIR": str(year.root / f"{name}-dbt"),
        "RENTAN_REPORTS": str(year.root / f"{name}-reports"),
        "RENTAN_LANDING_SETTLE_SECONDS": "0",
        "RENTAN_PSEUDONYM_KEY": year.stack.env["RENTAN_PSEUDONYM_KEY"],
    }
    done = subprocess.run(
        [RENTAN, "run", "--landing", str(year.landing), "--params", str(year.params_file)],
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"rentan run ({name}) failed: {done.stdout[-2000:]} {done.stderr[-2000:]}")


def publications(year: Year) -> list[list[str]]:
    """Per version the year published, oldest first: the landing files it was the first to publish."""
    rows = year.query(
        """select log.version, manifest.file_name
           from meta.publish_log as log
           cross join lateral jsonb_each(log.inputs -> 'batches') as feed (name, batch_ids)
           join meta.load_manifest as manifest
             on manifest.feed = feed.name and feed.batch_ids @> to_jsonb(manifest.batch_id)
           order by log.version, manifest.batch_id"""
    )
    published: list[list[str]] = []
    seen: set[str] = set()
    for version in sorted({v for v, _ in rows}):
        new = [name for v, name in rows if v == version and name not in seen]
        seen.update(new)
        published.append(new)
    return published


def restore_and_carry_on(year: Year, backup: str) -> tuple[EmbeddedWarehouse, str]:
    """The year's warehouse is lost: restore `backup` onto a new server and let the rest of the year arrive.

    The caller stopped and deleted the year's warehouse. `rentan restore`, then `rentan run` over
    the landing area: the restored manifest skips what was loaded before the backup.
    """
    warehouse = EmbeddedWarehouse(Path(tempfile.mkdtemp(prefix="rentan-year-restored-")))
    url = warehouse.start()
    env = {**os.environ, "WAREHOUSE_URL": url, "RENTAN_PSEUDONYM_KEY": year.stack.env["RENTAN_PSEUDONYM_KEY"]}
    done = subprocess.run([RENTAN, "restore", backup], env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"rentan restore failed: {done.stdout} {done.stderr}")
    rentan_run(year, url, "restored")
    return warehouse, done.stdout


def main(say: Callable[..., None], root: Path, keep: bool = False) -> int:
    """`rentan year`: play the year in `root`, printing each step, its runs, alerts and status."""
    from rentan.warehouse.embedded import EmbeddedWarehouse as Default

    if root.exists():
        shutil.rmtree(root)
    metadata = Default(root.parent / f".{root.name}-metadata")
    started = time.monotonic()
    year = prepare(root, metadata.start())
    say(f"Airflow: {year.stack.url} (admin / {year.stack.admin_password}); alerts: {year.alerts.url}", flush=True)
    try:
        play(year, say)
        say("\narrival to published (seconds):")
        for name, seconds in sorted(year.arrival_to_published().items()):
            say(f"  {name:<44} {seconds:>6.0f}")
        say(f"\nthe year took {dt.timedelta(seconds=round(time.monotonic() - started))}")
        if keep:
            say("Airflow keeps running until Ctrl-C", flush=True)
            while True:
                time.sleep(5)
    except KeyboardInterrupt:
        pass
    finally:
        stop(year)
        metadata.stop()
    return 0
