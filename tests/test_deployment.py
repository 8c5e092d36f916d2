"""The production stack as files: docker-compose.yml, .env.example, the Dockerfile, the init scripts.

No Docker engine runs here, so the compose file and the Dockerfile are checked as data;
the warehouse's init scripts run for real, on a scratch PostgreSQL, the way the postgres
image runs them on a new data directory.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
COMPOSE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "Dockerfile"
ENV_EXAMPLE = REPO / ".env.example"
STACK_LOCK = REPO / "docker" / "requirements-stack.lock"

AIRFLOW_SERVICES = {
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
}
SERVICES = AIRFLOW_SERVICES | {"airflow-init", "redis", "airflow-metadata-db", "warehouse", "superset"}
SECRET_NAME = re.compile(r"PASSWORD|SECRET|KEY|TOKEN", re.I)
VARIABLE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)")
REFERENCE_ONLY = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*(:?[-?][^}]*)?\}$")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def env_of(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def mount(volume: str) -> tuple[str, str]:
    """(source, target) of a short-syntax volume, whatever ${VAR:-default} its source uses."""
    source, target = re.sub(r"\$\{[^}]*\}", lambda m: m.group(0).replace(":", "\0"), volume).split(":")[:2]
    return source.replace("\0", ":"), target


def references_masked(text: str) -> str:
    """Each ${VAR...} reference replaced by the word REF, so URLs around them parse."""
    return re.sub(r"\$\{[^}]*\}", "REF", text)


def env_example() -> dict[str, str]:
    pairs = (
        line.split("=", 1)
        for line in ENV_EXAMPLE.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )
    return {k.strip(): v.strip() for k, v in pairs}


def strings_in(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from strings_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings_in(value)
    elif isinstance(node, str):
        yield node


# -- docker-compose.yml ------------------------------------------------------------------


def test_the_stack_has_every_service(services):
    assert set(services) == SERVICES


def test_airflow_runs_the_projects_own_image(services):
    images = {services[name]["image"] for name in AIRFLOW_SERVICES | {"airflow-init"}}
    assert len(images) == 1
    for name in AIRFLOW_SERVICES | {"airflow-init"}:
        assert services[name]["build"] == "."
    commands = {name: " ".join(services[name]["command"]) for name in AIRFLOW_SERVICES}
    assert commands == {
        "airflow-apiserver": "airflow api-server",
        "airflow-scheduler": "airflow scheduler",
        "airflow-dag-processor": "airflow dag-processor",
        "airflow-triggerer": "airflow triggerer",
        "airflow-worker": "airflow celery worker",
    }
    for name in SERVICES - AIRFLOW_SERVICES - {"airflow-init", "superset"}:  # superset: built from the repo
        image = services[name]["image"]
        assert ":" in image and not image.endswith(":latest"), image  # a pinned major version
    assert "_PIP_ADDITIONAL_REQUIREMENTS" not in COMPOSE.read_text()


def test_every_long_running_service_has_a_health_check(services):
    for name, service in services.items():
        if name == "airflow-init":
            assert service["restart"] == "no"
            continue
        test = service["healthcheck"]["test"]
        assert test[0] in ("CMD", "CMD-SHELL") and len(test) > 1, name


def test_services_start_in_order(services):
    allowed = {"service_healthy", "service_completed_successfully"}
    for name, service in services.items():
        for dependency, how in (service.get("depends_on") or {}).items():
            assert how["condition"] in allowed, (name, dependency)
            if how["condition"] == "service_healthy":
                assert "healthcheck" in services[dependency], dependency
            else:
                assert dependency == "airflow-init"
    for name in AIRFLOW_SERVICES:
        depends = services[name]["depends_on"]
        assert depends["airflow-init"]["condition"] == "service_completed_successfully", name
        assert {"redis", "airflow-metadata-db", "warehouse"} <= set(depends), name
    assert services["airflow-worker"]["depends_on"]["airflow-apiserver"]["condition"] == "service_healthy"
    assert set(services["airflow-init"]["depends_on"]) == {"airflow-metadata-db", "warehouse"}


def test_airflow_is_configured_for_celery_with_shared_secrets(services):
    envs = {name: env_of(services[name]) for name in AIRFLOW_SERVICES | {"airflow-init"}}
    for name, env in envs.items():
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://"), name
        assert "airflow-metadata-db" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"], name
        # Airflow 3 derives an asyncpg URL otherwise, and asyncpg is not in the lock
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC"].startswith("postgresql+psycopg://"), name
        assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
    for key in ("AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API__SECRET_KEY"):
        values = {env[key] for env in envs.values()}
        assert len(values) == 1 and REFERENCE_ONLY.match(values.pop()), key


def test_the_pipeline_settings_reach_every_airflow_service(services):
    from rentan.warehouse.embedded import LOGINS

    for name in AIRFLOW_SERVICES | {"airflow-init"}:
        env = env_of(services[name])
        landing = env["RENTAN_LANDING"]
        assert landing in {mount(volume)[1] for volume in services[name]["volumes"]}, name
        url = urlsplit(references_masked(env["WAREHOUSE_URL"]))
        assert (url.hostname, url.path) == ("warehouse", "/rentan")
        assert LOGINS[url.username] == "rentan_etl"  # the DAGs act as the ETL login, not the superuser
        assert REFERENCE_ONLY.match(env["RENTAN_PSEUDONYM_KEY"])
        assert env["RENTAN_ALERT_WEBHOOK"].startswith("${RENTAN_ALERT_WEBHOOK")
    assert "RENTAN_LANDING" in (REPO / "dags" / "rentan_ingest.py").read_text()  # the param's default


def test_no_secret_is_inlined(compose):
    for service in compose["services"].values():
        for key, value in env_of(service).items():
            if SECRET_NAME.search(key):
                assert REFERENCE_ONLY.match(value), f"{key} must be a ${{VAR}} reference, not {value!r}"
    urls = [
        url
        for text in strings_in(compose)
        for url in re.findall(r"\b[a-z][a-z0-9+]*://[^\s\"']+", references_masked(text))
    ]
    with_credentials = [url for url in urls if urlsplit(url).password is not None]
    assert len(with_credentials) >= 4  # metadata DB, broker, result backend, warehouse
    for url in with_credentials:
        assert urlsplit(url).password == "REF", f"credentials inlined in {url}"


def test_env_example_defines_every_variable_and_holds_no_secret(compose):
    defined = env_example()
    used = set(VARIABLE.findall(COMPOSE.read_text()))
    assert used <= set(defined), f"not in .env.example: {sorted(used - set(defined))}"
    for key, value in defined.items():
        if SECRET_NAME.search(key):
            assert value in ("", "CHANGE_ME"), f".env.example must not carry a real {key}"
    assert ".env" in (REPO / ".gitignore").read_text().split()


def test_the_warehouse_runs_the_projects_role_and_login_scripts(services):
    warehouse = services["warehouse"]
    scripts = {
        target: REPO / source
        for source, target in map(mount, warehouse["volumes"])
        if "docker-entrypoint-initdb.d" in target
    }
    assert sorted(scripts) == ["/docker-entrypoint-initdb.d/10-roles.sql", "/docker-entrypoint-initdb.d/20-logins.sql"]
    assert all(path.is_file() for path in scripts.values())
    env = env_of(warehouse)
    for key in ("RENTAN_ETL_PASSWORD", "RENTAN_ENGINEER_PASSWORD", "RENTAN_OFFICER_PASSWORD", "RENTAN_BI_PASSWORD"):
        assert REFERENCE_ONLY.match(env[key]), key


@pytest.mark.skipif(
    shutil.which("docker") is None
    or subprocess.run(["docker", "compose", "version"], capture_output=True).returncode != 0,
    reason="the docker compose client is not installed here",
)
def test_docker_compose_accepts_the_file_with_the_example_env():
    result = subprocess.run(
        ["docker", "compose", "--env-file", str(ENV_EXAMPLE), "-f", str(COMPOSE), "config", "-q"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_superset_is_an_opt_in_profile_that_reads_the_warehouse_as_the_bi_login(services):
    from rentan.warehouse.embedded import LOGINS

    superset = services["superset"]
    assert superset["profiles"] == ["bi"]  # `docker compose up` without --profile bi leaves it off
    assert all("profiles" not in service for name, service in services.items() if name != "superset")
    url = urlsplit(references_masked(env_of(superset)["RENTAN_BI_URL"]))
    assert (url.hostname, url.path, LOGINS[url.username]) == ("warehouse", "/rentan", "rentan_bi")
    assert superset["depends_on"] == {"warehouse": {"condition": "service_healthy"}}
    dockerfile = (REPO / superset["build"]["dockerfile"]).read_text()
    assert "FROM python:3.11-slim-bookworm" in dockerfile and "requirements-bi.lock" in dockerfile
    assert "COPY bi ./bi" in dockerfile  # the same YAML `rentan bi` imports
    script = REPO / "docker" / "superset" / "start.sh"
    assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
    text = script.read_text()
    assert "superset_import.py /opt/rentan/bi/superset" in text and "superset db upgrade" in text


# -- Dockerfile and image contents -----------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def install_commands() -> list[list[str]]:
    """Each pip/uv install or sync command of the Dockerfile's RUN lines, as words."""
    commands = []
    for op, args in dockerfile_instructions():
        if op == "RUN":
            for part in re.split(r"&&|;", args):
                words = shlex.split(part)
                if "install" in words or "sync" in words:
                    commands.append(words)
    return commands


def test_the_image_is_plain_python_and_runs_as_a_user():
    instructions = dockerfile_instructions()
    assert [args for op, args in instructions if op == "FROM"] == ["python:3.11-slim-bookworm"]
    users = [args for op, args in instructions if op == "USER"]
    assert users and users[-1] not in ("root", "0")


def test_the_image_installs_the_lock_and_nothing_unpinned():
    commands = install_commands()
    sync = [c for c in commands if c[:3] == ["uv", "pip", "sync"]]
    assert len(sync) == 1 and "requirements.lock" in sync[0] and "--no-build" in sync[0]
    uv_version = re.search(r"UV_VERSION := (\S+)", (REPO / "Makefile").read_text()).group(1)
    for words in commands:
        if words[:3] == ["uv", "pip", "install"]:
            assert "--no-deps" in words and words[-2:] == ["-e", "."], words
            assert "--build-constraints" in words
        elif "pip" in words and "install" in words:
            packages = [w for w in words[words.index("install") + 1 :] if not w.startswith("-")]
            assert packages == [f"uv=={uv_version}".replace(uv_version, "${UV_VERSION}")], words
        else:
            assert words[:3] == ["uv", "pip", "sync"], words
    assert re.search(rf"ARG UV_VERSION={re.escape(uv_version)}\n", DOCKERFILE.read_text())


def test_the_stack_lock_only_adds_pinned_packages_to_the_lock():
    def pins(path: Path) -> dict[str, str]:
        lines = [line.strip() for line in path.read_text().splitlines()]
        return dict(line.split("==", 1) for line in lines if line and not line.startswith("#"))

    lock = pins(REPO / "requirements.lock")
    stack_lines = [line for line in STACK_LOCK.read_text().splitlines() if line and not line.startswith("#")]
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9._-]*==[0-9][^\s;]*", line) for line in stack_lines), stack_lines
    stack = pins(STACK_LOCK)
    assert not set(stack) & set(lock)
    assert "apache-airflow-providers-fab" in stack
    # the Celery executor is in the lock itself: the tests run it (test_celery_hosts.py)
    assert {"apache-airflow-providers-celery", "celery", "redis"} <= set(lock)
    # providers-celery 3.26 imports celery.backends.database.retry, gone in celery 5.7
    assert tuple(int(n) for n in lock["celery"].split(".")[:2]) < (5, 7)
    constraints = (REPO / "docker" / "build-constraints.txt").read_text().split()
    assert [c for c in constraints if "==" in c] == [c for c in constraints if not c.startswith("#")][-1:]


def test_everything_the_dockerfile_copies_exists_and_secrets_stay_out():
    for op, args in dockerfile_instructions():
        if op == "COPY":
            for source in args.split()[:-1]:
                assert (REPO / source).exists(), source
    ignored = (REPO / ".dockerignore").read_text().split()
    assert {".env", ".git", ".venv/", ".warehouse/", ".secrets/"} <= set(ignored)


def test_the_init_script_is_valid_bash_and_does_the_three_things():
    script = REPO / "docker" / "airflow-init.sh"
    assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
    text = script.read_text()
    assert "airflow db migrate" in text and "airflow users create" in text and "rentan.warehouse.migrate" in text


# -- the warehouse's init scripts, for real --------------------------------------------

PASSWORDS = {
    "RENTAN_ETL_PASSWORD": "etl-0123456789",
    "RENTAN_ENGINEER_PASSWORD": "engineer-0123456789",
    "RENTAN_OFFICER_PASSWORD": "officer-0123456789",
    "RENTAN_BI_PASSWORD": "bi-0123456789abc",
}


@pytest.fixture(scope="module")
def scratch_server(tmp_path_factory):
    """A new PostgreSQL cluster with database rentan and nothing else: a new warehouse container."""
    from rentan.warehouse.embedded import EmbeddedWarehouse

    class BareServer(EmbeddedWarehouse):
        def _ensure_logins(self) -> None:  # the init scripts under test make them
            pass

    server = BareServer(tmp_path_factory.mktemp("scratch-warehouse"))
    server.start()
    yield server
    server.stop()


def run_init_script(server, script: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """As the postgres image does: psql -v ON_ERROR_STOP=1 as the superuser on POSTGRES_DB."""
    from rentan.warehouse.embedded import bin_dir

    psql = [
        str(bin_dir() / "psql"),
        "-v",
        "ON_ERROR_STOP=1",
        "--no-psqlrc",
        "-h",
        str(server.socket_dir),
        "-p",
        server.port_file.read_text().strip(),
        "-U",
        "postgres",
        "-d",
        "rentan",
        "-f",
        str(script),
    ]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RENTAN_")}
    return subprocess.run(psql, env={**clean, **env}, capture_output=True, text=True, timeout=60)


def login_url(server, login: str, password: str) -> str:
    return f"postgresql://{login}:{password}@127.0.0.1:{server.port_file.read_text().strip()}/rentan"


def test_the_login_script_refuses_missing_or_placeholder_passwords(scratch_server):
    roles = REPO / "plugins" / "rentan" / "warehouse" / "migrations" / "roles.sql"
    assert run_init_script(scratch_server, roles, {}).returncode == 0
    for env in ({}, {**PASSWORDS, "RENTAN_BI_PASSWORD": "CHANGE_ME"}, {**PASSWORDS, "RENTAN_BI_PASSWORD": "short"}):
        result = run_init_script(scratch_server, REPO / "docker" / "warehouse" / "20-logins.sql", env)
        assert result.returncode != 0 and "must each be set" in result.stderr


def test_a_new_warehouse_gets_logins_that_migrate_and_read_only_their_schemas(scratch_server):
    from rentan.ingest.contracts import RAW_TABLES
    from rentan.warehouse import connect
    from rentan.warehouse.migrate import migrate

    for script in (
        REPO / "plugins" / "rentan" / "warehouse" / "migrations" / "roles.sql",
        REPO / "docker" / "warehouse" / "20-logins.sql",
    ):
        result = run_init_script(scratch_server, script, PASSWORDS)
        assert result.returncode == 0, result.stderr

    # airflow-init: the migrations, applied by the ETL login (not the superuser)
    with connect(login_url(scratch_server, "rentan_etl_user", PASSWORDS["RENTAN_ETL_PASSWORD"])) as etl:
        assert "V005__pipeline_health" in migrate(etl, RAW_TABLES)
        owner = etl.execute("select viewowner from pg_views where viewname = 'pipeline_health'").fetchone()
        assert owner == ("rentan_etl",)
    with psycopg.connect(
        login_url(scratch_server, "rentan_engineer_user", PASSWORDS["RENTAN_ENGINEER_PASSWORD"])
    ) as engineer:
        assert engineer.execute("select count(*) from audit.pipeline_health").fetchone() == (0,)
    with psycopg.connect(login_url(scratch_server, "rentan_bi_user", PASSWORDS["RENTAN_BI_PASSWORD"])) as bi:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            bi.execute("select * from meta.load_manifest")

    # re-running the login script rotates a password
    rotated = {**PASSWORDS, "RENTAN_BI_PASSWORD": "rotated-0123456789"}
    assert run_init_script(scratch_server, REPO / "docker" / "warehouse" / "20-logins.sql", rotated).returncode == 0
    with psycopg.connect(login_url(scratch_server, "rentan_bi_user", rotated["RENTAN_BI_PASSWORD"])) as bi:
        assert bi.execute("select current_user").fetchone() == ("rentan_bi_user",)
