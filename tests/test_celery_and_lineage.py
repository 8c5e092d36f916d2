"""Celery across hosts and OpenLineage (issue 21), on one small landing area (the selection and January).

`rentan run` with OPENLINEAGE_URL set publishes the reference and sends its lineage to a local
receiver: the graph landing file -> raw -> staging -> marts -> dashboard is checked on it.
Then the same DAGs run on the CeleryExecutor of docker-compose.yml: Debian's redis-server as
the broker, Airflow's metadata in PostgreSQL, and two Celery workers, each in a network
namespace of its own (a host with its own address, joined by a veth pair), reaching the broker,
the API server and the warehouse over TCP only (their metadata URL leads nowhere). The worker
running the dbt build is killed (every process of its host); the build is retried on the other
host and the run publishes exactly what `rentan run` published. Needs root (`ip netns`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import deque
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from rentan.parameters import load_parameters
from rentan.warehouse import EmbeddedWarehouse, connect
from rentan_dev import deliveries, hosts, stack, synth
from rentan_dev.receiver import Receiver
from tests.helpers_production import differences, published_rows

pytestmark = pytest.mark.production

RENTAN = str(Path(sys.executable).parent / "rentan")
SEED, PEOPLE, PARAMS = 5, 1000, {"quota": 50}
CI = os.environ.get("CI") == "true"


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """The selection and January, as delivered."""
    root = tmp_path_factory.mktemp("celery_city")
    generated, landing = root / "generated", root / "landing"
    synth.generate(generated, seed=SEED, people=PEOPLE, params=load_parameters(PARAMS))
    selection, january = (d.files for d in deliveries.schedule(generated, months=1))
    for name in selection + january:
        deliveries.deliver(generated / name, landing, name)
    params = root / "params.yml"
    params.write_text("".join(f"{k}: {v}\n" for k, v in PARAMS.items()))
    return root, landing, params


@pytest.fixture(scope="module")
def reference(city, server_url):
    """`rentan run` with lineage on: (the URL of what it published, the OpenLineage events it sent)."""
    root, landing, params = city
    name = f"t_lineage_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'create database "{name}"')
    url = urlsplit(server_url)._replace(path=f"/{name}").geturl()
    with Receiver() as receiver:
        done = subprocess.run(
            [RENTAN, "run", "--landing", str(landing), "--params", str(params)],
            env={
                **os.environ,
                "WAREHOUSE_URL": url,
                "OPENLINEAGE_URL": receiver.url,  # the one setting that turns lineage on
                "OPENLINEAGE_NAMESPACE": "rentan",
                "AIRFLOW_HOME": str(root / "reference-airflow"),
                "RENTAN_DBT_DIR": str(root / "reference-dbt"),
                "RENTAN_REPORTS": str(root / "reference-reports"),
            },
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        events = receiver.wait_for(lambda bodies: bodies, timeout=60, path_prefix="/api/v1/lineage")
    yield url, events
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'drop database if exists "{name}" with (force)')


# -- lineage -------------------------------------------------------------------------------------


def graph(events: list[dict]) -> dict[str, set[str]]:
    """dataset -> datasets one job run made from it (COMPLETE events), as `namespace/name`."""
    edges: dict[str, set[str]] = {}
    for event in events:
        if event.get("eventType") != "COMPLETE":
            continue
        for source in event.get("inputs") or []:
            for target in event.get("outputs") or []:
                edges.setdefault(f"{source['namespace']}/{source['name']}", set()).add(
                    f"{target['namespace']}/{target['name']}"
                )
    return edges


def path(edges: dict[str, set[str]], start: str, arrive) -> list[str] | None:
    """The shortest path from `start` to a node for which `arrive(node)` holds (breadth first)."""
    came_from, todo = {start: None}, deque([start])
    while todo:
        node = todo.popleft()
        if arrive(node):
            steps = []
            while node is not None:
                steps.append(node)
                node = came_from[node]
            return steps[::-1]
        for nxt in sorted(edges.get(node, ())):
            if nxt not in came_from:
                came_from[nxt] = node
                todo.append(nxt)
    return None


def test_lineage_leads_from_a_landing_file_through_raw_staging_and_marts_to_a_dashboard(city, reference):
    _, landing, _ = city
    url, events = reference
    database = urlsplit(url).path.strip("/")
    edges = graph(events)
    start = f"file/{(landing / 'dtsen' / 'dtsen_20251201.csv').resolve()}"
    found = path(edges, start, lambda node: node.startswith("superset/"))
    assert found, f"no path from {start}; nodes: {sorted(edges)[:30]}"
    names = [node.split("/", 3)[-1] for node in found]
    layers = [name.split(".")[1] if name.count(".") == 2 else name for name in names]
    # file -> raw -> staging -> (intermediate ...) -> marts_build -> marts -> the dashboard
    assert names[1] == f"{database}.raw.dtsen", found
    assert "staging" in layers and layers.index("staging") < layers.index("marts"), found
    assert layers[-2] == "marts" and found[-1].startswith("superset/"), found
    # the dbt models are children of the dbt_build task's run; the load and publish are Airflow tasks' own events
    jobs = {e["job"]["name"] for e in events}
    assert {"rentan_ingest.load_file", "rentan_transform.dbt_build", "rentan_transform.publish"} <= jobs
    dbt_models = [e for e in events if e["job"]["name"].endswith(".build.run")]  # openlineage-dbt's model runs
    assert dbt_models, sorted(jobs)[:20]
    assert {e["run"]["facets"]["parent"]["job"]["name"] for e in dbt_models} == {"rentan_transform.dbt_build"}


def test_lineage_is_off_unless_its_one_setting_is_given():
    code = "from rentan.pipeline.lineage import enabled; print(enabled())"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENLINEAGE", "AIRFLOW__OPENLINEAGE"))}
    off = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    on = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "OPENLINEAGE_URL": "http://127.0.0.1:9"},
        capture_output=True,
        text=True,
    )
    assert (off.stdout.strip(), on.stdout.strip()) == ("False", "True"), off.stderr + on.stderr


# -- Celery across hosts -------------------------------------------------------------------------


def celery_available() -> str | None:
    if os.geteuid() != 0:
        return "needs root (ip netns)"
    if not shutil.which("redis-server") or not shutil.which("ip"):
        return "needs Debian's redis-server and iproute2 (make system-deps)"
    return None


@pytest.fixture(scope="module")
def celery_run(city, server_url, tmp_path_factory):
    why = celery_available()
    if why:
        if CI:
            pytest.fail(why)
        pytest.skip(why)
    _, source, _ = city
    root = tmp_path_factory.mktemp("celery")
    landing = root / "landing"
    workers = hosts.create(f"rt{os.getpid() % 10000}h", 2, net=231)
    service = workers[0].gateway  # the machine's address the hosts reach it at
    # outside pytest's temp folder: the server runs as another OS user (conftest.server_url)
    home = Path(tempfile.mkdtemp(prefix="rentan-celery-warehouse-"))
    warehouse = EmbeddedWarehouse(home, listen=("127.0.0.1", service), clients=("10.231.0.0/16",))
    admin_url = warehouse.start()
    with psycopg.connect(admin_url, autocommit=True) as admin:  # who connected from where
        admin.execute("alter system set log_connections = 'authorization'")
        admin.execute("alter system set log_line_prefix = '%m [%p] host=%h '")
        admin.execute("select pg_reload_conf()")
    url = warehouse.url(login="rentan_etl_user").replace("127.0.0.1", service)
    redis_port, redis_password = stack.free_port(service), uuid.uuid4().hex
    broker = f"redis://:{redis_password}@{service}:{redis_port}"
    airflow = None
    with Receiver(host=service) as alerts:
        try:
            airflow = stack.start(
                home=root / "airflow",
                metadata_url=stack.metadata_database(server_url),
                warehouse_url=url,
                dags_folder=stack.pipeline_dags(root / "dags"),
                executor="CeleryExecutor",
                api_host=service,
                settings={
                    "AIRFLOW__CELERY__BROKER_URL": f"{broker}/0",
                    "AIRFLOW__CELERY__RESULT_BACKEND": f"{broker}/1",
                    "AIRFLOW__CELERY__WORKER_CONCURRENCY": "1",
                    "AIRFLOW__CORE__HOSTNAME_CALLABLE": "rentan_dev.hosts.hostname",
                    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_SEC": "3",
                    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "20",
                    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "3",
                    "RENTAN_LANDING": str(landing),
                    "RENTAN_LANDING_POLL_SECONDS": "3",
                    "RENTAN_LANDING_SETTLE_SECONDS": "2",
                    "RENTAN_RETRY_DELAY_SECONDS": "4",
                    "RENTAN_REPORTS": str(root / "reports"),
                    "RENTAN_DBT_DIR": str(root / "dbt"),
                    "RENTAN_PARAMS_FILE": str(city[2]),
                    "RENTAN_ALERT_WEBHOOK": f"{alerts.url}/alerts",
                    "RENTAN_PSEUDONYM_KEY": os.environ["RENTAN_PSEUDONYM_KEY"],
                },
            )
            stack.start_redis(airflow, binds=[service], port=redis_port, password=redis_password)
            nowhere = "postgresql+psycopg2://airflow@127.0.0.1:9/airflow"  # the hosts' own loopback: no server
            for host in workers:
                env = {
                    **airflow.env,
                    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": nowhere,
                    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": nowhere.replace("psycopg2", "psycopg"),
                    "RENTAN_HOST_NAME": host.name,
                }
                command = [stack.AIRFLOW, "celery", "worker", "--concurrency", "1", "-H", f"{host.name}@%h"]
                airflow.spawn(f"worker-{host.name}", host.command(command), env)
            airflow.wait_healthy()
            airflow.wait_for_dags(("rentan_ingest", "rentan_transform", "rentan_report"))
            for name in sorted(p.relative_to(source).as_posix() for p in source.glob("*/*.csv")):
                deliveries.deliver(source / name, landing, name)
            killed = kill_the_host_building(workers, admin_url, airflow)
            deadline = time.monotonic() + 900
            while not (root / "reports" / "ringkasan_rekonsiliasi_2026-01.pdf").exists() or not quiet(airflow):
                assert time.monotonic() < deadline, f"the run did not finish: see {airflow.home}/logs"
                assert not airflow.processes.exited() or set(airflow.processes.exited()) == {
                    f"worker-{killed['host']}"
                }, airflow.processes.exited()
                time.sleep(3)
            yield {
                "url": url,
                "admin_url": admin_url,
                "warehouse": warehouse,
                "airflow": airflow,
                "hosts": workers,
                "killed": killed,
                "alerts": alerts.bodies("/alerts"),
            }
        finally:
            if airflow is not None:
                airflow.stop()
            hosts.remove(workers)
            warehouse.stop()
            shutil.rmtree(home, ignore_errors=True)


def quiet(airflow: stack.Stack) -> bool:
    dags = ("rentan_ingest", "rentan_transform", "rentan_report")
    runs = [r for d in dags for r in airflow.runs(d)]
    return bool(runs) and all(r["state"] in ("success", "failed") for r in runs)


def kill_the_host_building(workers: list[hosts.Host], admin_url: str, airflow: stack.Stack) -> dict:
    """Wait for the dbt build (its sessions in the warehouse), kill every process of the host it runs on."""
    deadline = time.monotonic() + 600
    with psycopg.connect(admin_url, autocommit=True) as conn:
        while True:
            row = conn.execute(
                """select host(client_addr) from pg_stat_activity
                   where application_name = 'dbt' and state = 'active' limit 1"""
            ).fetchone()
            if row:
                break
            assert time.monotonic() < deadline, f"no dbt build within 600s: see {airflow.home}/logs"
            time.sleep(0.3)
    [host] = [h for h in workers if h.address == row[0]]
    time.sleep(2)  # some models in
    return {"host": host.name, "address": host.address, "pids": host.kill(), "at": time.time()}


def test_the_worker_hosts_reached_the_warehouse_over_tcp_from_their_own_addresses(celery_run):
    log = (celery_run["warehouse"].pgdata / "server.log").read_text()
    # every session of the pipeline's login came over TCP from a worker host's own address
    etl = re.findall(r" host=(\S+) LOG:  connection authorized: user=rentan_etl_user ", log)
    assert etl, "no task connected as the ETL login"
    assert set(etl) == {h.address for h in celery_run["hosts"]}


def test_a_killed_worker_s_task_was_retried_on_the_other_host_and_the_run_published(celery_run):
    airflow, killed = celery_run["airflow"], celery_run["killed"]
    runs = airflow.runs("rentan_transform")
    [tries] = [t for t in (airflow.tries("rentan_transform", r["dag_run_id"], "dbt_build") for r in runs) if len(t) > 1]
    assert {r["state"] for r in runs} == {"success"}
    assert [t["hostname"] for t in tries][0] == killed["host"]
    assert tries[-1]["state"] == "success" and tries[-1]["hostname"] != killed["host"]
    assert tries[-1]["hostname"] in {h.name for h in celery_run["hosts"]}
    retried = [a for a in celery_run["alerts"] if a.get("kind") == "task_retried" and a["task_id"] == "dbt_build"]
    assert retried and retried[0]["try_number"] == len(tries)


def test_the_celery_run_published_what_rentan_run_published(celery_run, reference):
    assert differences(published_rows(celery_run["url"]), published_rows(reference[0])) == []
    with connect(celery_run["url"]) as conn:
        assert conn.execute("select count(*) from meta.publish_log").fetchone()[0] >= 1
