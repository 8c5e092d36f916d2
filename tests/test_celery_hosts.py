"""Celery across hosts (issue 21), on one small landing area (the selection and January).

The DAGs run on the CeleryExecutor of docker-compose.yml: Debian's redis-server as
the broker, Airflow's metadata in PostgreSQL, and two Celery workers, each in a network
namespace of its own (a host with its own address, joined by a veth pair), reaching the broker,
the API server and the warehouse over TCP only (their metadata URL leads nowhere). The worker
running the dbt build is killed (every process of its host); the build is retried on the other
host and the run publishes exactly what a build of the same files publishes. Needs root (`ip netns`).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
import pytest

from rentan.ingest.contracts import RAW_TABLES
from rentan.parameters import load_parameters
from rentan.warehouse import connect
from rentan.warehouse.embedded import EmbeddedWarehouse
from rentan.warehouse.migrate import migrate
from rentan_dev import deliveries, hosts, stack, synth
from rentan_dev.receiver import Receiver
from tests.helpers_dbt import load_landing, migrated_database, publish_run, warehouse_env
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
    """What a build of the same files publishes, built in this process as the DAGs' tasks build it."""
    _, landing, _ = city
    with migrated_database(server_url, prefix="t_celery_ref") as url:
        with warehouse_env(url):
            load_landing(url, landing)
            publish_run("manual__reference", PARAMS)
        yield url


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
        migrate(admin, RAW_TABLES)  # as the deployment's init does: the DAGs' tasks never migrate
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


def test_the_celery_run_published_what_a_build_of_the_same_files_publishes(celery_run, reference):
    assert differences(published_rows(celery_run["url"]), published_rows(reference)) == []
    with connect(celery_run["url"]) as conn:
        assert conn.execute("select count(*) from meta.publish_log").fetchone()[0] >= 1
