"""The Superset dashboards of bi/superset/, for real: Superset from .venv-bi against a built
warehouse as the BI login, and Debian's chromium opening every dashboard as the analyst (Gamma,
read and explore) reads it: every axis label drawn, months in order, labels not codes.

One module fixture builds the marts from a small synthetic landing area (the default
parameters: capacity 9,920, the budget binds), another installs (once) and starts Superset
on a free port with the repository's YAML imported. The browser tests skip when chromium is
missing, except under CI=true, where that is a failure (make system-deps installs it).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
import requests
import yaml
from psycopg import sql

from rentan.parameters import load_parameters
from rentan.reports.formatting import MONTHS_SHORT_ID
from rentan.transform import dbt_runner
from rentan_dev import bi
from rentan_dev.bi_browser import CHROMIUM, VIEWPORT, dashboards, drawn_text, launch, load_dashboard, login
from rentan_dev.synth import generate
from tests.helpers_dbt import load_landing, migrated_database, query, query_one

OUTSIDE_MARTS = [
    "ops.eligibility",
    "ops.reconciliation",
    "meta.load_manifest",
    "meta.publish_log",
    "raw.dtsen",
    "audit.dbt_results",
    "secret.pseudonym_key",
    "intermediate.int_program_parameters",
    "staging.stg_dtsen__individuals",
]


def idr(value: int) -> str:
    """A number as the dashboards format it (superset_config.D3_FORMAT): 9.920, 2.000.000.000."""
    return f"{value:,}".replace(",", ".")


@pytest.fixture(scope="module")
def warehouse(server_url, tmp_path_factory):
    """Built marts, and the URL of a login in rentan_bi (as rentan_bi_user is): (admin URL, BI URL)."""
    params = load_parameters()
    landing = tmp_path_factory.mktemp("bi_dash") / "landing"
    generate(landing, seed=14, people=3000, params=params)
    with migrated_database(server_url, prefix="t_bidash") as url:
        load_landing(url, landing)
        run = dbt_runner.build(url, params, unit_tests=False)
        assert run.success, run.summary()
        name, password = f"t_bi_{secrets.token_hex(4)}", secrets.token_urlsafe(12)
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("create role {} login password {} in role rentan_bi").format(
                    sql.Identifier(name), sql.Literal(password)
                )
            )
        parts = urlsplit(url)
        try:
            yield url, parts._replace(netloc=f"{name}:{password}@{parts.hostname}:{parts.port}").geturl()
        finally:
            with psycopg.connect(url, autocommit=True) as admin:
                admin.execute(f"select pg_terminate_backend(pid) from pg_stat_activity where usename = '{name}'")
            with psycopg.connect(server_url, autocommit=True) as admin:
                admin.execute(f'drop database "{urlsplit(url).path[1:]}" with (force)')
                admin.execute(sql.SQL("drop role {}").format(sql.Identifier(name)))


@pytest.fixture(scope="module")
def superset(warehouse, tmp_path_factory):
    """Superset on a free localhost port with the repository's dashboards: (base URL, its Superset)."""
    _, bi_url = warehouse
    bi.ensure_venv()
    instance = bi.Superset(home=tmp_path_factory.mktemp("superset_home"))
    instance.prepare()
    imported = instance.import_assets(bi_url)
    assert re.search(r"imported 1 databases, \d+ datasets, \d+ charts, 4 dashboards", imported), imported
    port = bi.free_port()
    process = instance.serve(port, bi_url=bi_url)
    yield f"http://127.0.0.1:{port}", instance
    bi.stop(process)


def rest_session(base: str, username: str, password: str) -> requests.Session:
    """A requests session logged in to Superset's REST API, with its CSRF token."""
    session = requests.Session()
    token = session.post(
        f"{base}/api/v1/security/login",
        json={"username": username, "password": password, "provider": "db", "refresh": False},
        timeout=30,
    ).json()
    session.headers["Authorization"] = f"Bearer {token['access_token']}"
    csrf = session.get(f"{base}/api/v1/security/csrf_token/", timeout=30).json()["result"]
    session.headers.update({"X-CSRFToken": csrf, "Referer": base})
    return session


@pytest.fixture(scope="module")
def api(superset):
    """A requests session logged in to Superset's REST API as the admin, with its CSRF token."""
    base, instance = superset
    return base, rest_session(base, bi.ADMIN, instance.admin_password)


def run_sql(api, statement: str) -> dict:
    """A query through SQL Lab on the imported warehouse database (Superset's own connection)."""
    base, session = api
    databases = session.get(f"{base}/api/v1/database/", timeout=30).json()["result"]
    database_id = next(d["id"] for d in databases if d["database_name"] == "rentan_marts")
    response = session.post(
        f"{base}/api/v1/sqllab/execute/",
        json={"database_id": database_id, "sql": statement, "runAsync": False, "schema": "marts"},
        timeout=120,
    )
    return {**response.json(), "http_status": response.status_code}


def dataset_tables() -> list[str]:
    return sorted(yaml.safe_load(p.read_text())["table_name"] for p in (bi.ASSETS_DIR / "datasets").rglob("*.yaml"))


# -- the YAML, as files ----------------------------------------------------------------


def test_the_database_yaml_holds_no_password_and_every_dataset_reads_marts():
    for path in (bi.ASSETS_DIR / "databases").glob("*.yaml"):
        config = yaml.safe_load(path.read_text())
        assert urlsplit(config["sqlalchemy_uri"]).password is None, path
        assert "password" not in config, path
    for path in (bi.ASSETS_DIR / "datasets").rglob("*.yaml"):
        config = yaml.safe_load(path.read_text())
        assert config["schema"] == "marts" and config["sql"] is None, path


def test_every_dashboard_is_a_dbt_exposure_on_the_marts_its_charts_read():
    exposures = {
        e["label"]: e
        for e in yaml.safe_load(
            (bi.ASSETS_DIR.parents[1] / "dbt_project" / "models" / "marts" / "_exposures.yml").read_text()
        )["exposures"]
    }
    datasets = {
        yaml.safe_load(p.read_text())["uuid"]: yaml.safe_load(p.read_text())["table_name"]
        for p in (bi.ASSETS_DIR / "datasets").rglob("*.yaml")
    }
    charts = {
        c["uuid"]: datasets[c["dataset_uuid"]]
        for c in (yaml.safe_load(p.read_text()) for p in (bi.ASSETS_DIR / "charts").glob("*.yaml"))
    }
    for path in (bi.ASSETS_DIR / "dashboards").glob("*.yaml"):
        dashboard = yaml.safe_load(path.read_text())
        read = {
            charts[item["meta"]["uuid"]]
            for item in dashboard["position"].values()
            if isinstance(item, dict) and item.get("type") == "CHART"
        }
        declared = {
            re.fullmatch(r"ref\('(\w+)'\)", d).group(1) for d in exposures[dashboard["dashboard_title"]]["depends_on"]
        }
        assert read == declared, dashboard["dashboard_title"]
        assert "data_version" in read  # every dashboard shows the published version and the data's date


def test_rentan_bi_starts_the_embedded_warehouse_when_none_is_configured(monkeypatch):
    # Only the CLI may start the embedded server (warehouse_url(start=True)); `rentan bi` is the
    # CLI, and once asked without start it refused with "no warehouse is configured".
    import rentan.warehouse as warehouse
    from rentan.warehouse import embedded

    for name in ("WAREHOUSE_URL", bi.BI_URL_ENV, "AIRFLOW_CONN_RENTAN_WAREHOUSE"):
        monkeypatch.delenv(name, raising=False)
    asked = []
    monkeypatch.setattr(warehouse, "warehouse_url", lambda start=False: asked.append(start) or "postgresql://")
    monkeypatch.setattr(embedded.EmbeddedWarehouse, "url", lambda self, login=None: f"postgresql://{login}@h/r")
    assert bi.bi_url() == "postgresql://rentan_bi_user@h/r"
    assert asked == [True]


# -- Superset's connection is the BI login ---------------------------------------------


def test_every_dataset_query_succeeds_as_the_bi_login(api):
    tables = dataset_tables()
    assert len(tables) >= 10
    for table in tables:
        result = run_sql(api, f"select * from marts.{table} limit 5")
        assert result["http_status"] == 200 and result["status"] == "success", (table, result)
        assert result["data"], table  # every mart a dashboard reads has rows on the test data
    base, session = api
    (database,) = [
        d
        for d in session.get(f"{base}/api/v1/database/", timeout=30).json()["result"]
        if d["database_name"] == "rentan_marts"
    ]
    uri = session.get(f"{base}/api/v1/database/{database['id']}/connection", timeout=30).json()["result"]
    assert urlsplit(uri["sqlalchemy_uri"]).username.startswith("t_bi_")  # the test's member of rentan_bi


@pytest.mark.parametrize("relation", OUTSIDE_MARTS)
def test_no_relation_outside_marts_is_readable_through_superset(api, relation):
    result = run_sql(api, f"select * from {relation} limit 1")
    # refused by PostgreSQL's grants (not by a Superset rule that another setting could lift)
    assert result["http_status"] != 200 and "permission denied for schema" in str(result), result


# -- the chart-data cache (bi/superset_cache.py) ----------------------------------------


def chart_data(api, table: str, columns: list[str]) -> dict:
    """Superset's chart-data API on one mart's dataset: the first query's result."""
    base, session = api
    datasets = session.get(f"{base}/api/v1/dataset/?q=(page_size:100)", timeout=30).json()["result"]
    dataset_id = next(d["id"] for d in datasets if d["table_name"] == table)
    response = session.post(
        f"{base}/api/v1/chart/data",
        json={
            "datasource": {"id": dataset_id, "type": "table"},
            "queries": [{"columns": columns, "metrics": [], "row_limit": 10}],
            "result_format": "json",
            "result_type": "full",
        },
        timeout=120,
    )
    assert response.status_code == 200, response.text
    return response.json()["result"][0]


def cache_version_ttl() -> int:
    """How often the cache reads the published version (bi/superset_cache.py runs in .venv-bi only)."""
    text = (bi.BI_DIR / "superset_cache.py").read_text()
    return int(re.search(r"^VERSION_TTL_SECONDS = (\d+)$", text, re.MULTILINE).group(1))


def test_chart_data_are_cached_until_a_new_version_is_published(api, warehouse):
    admin_url = warehouse[0]
    first = chart_data(api, "data_version", ["published_version", "built_at"])
    again = chart_data(api, "data_version", ["published_version", "built_at"])
    assert again["is_cached"] and again["data"] == first["data"]
    # What a publish changes: the version row. After the cache's look-up interval, the same
    # chart is computed again and shows the new row.
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute("update marts.data_version set built_at = built_at + interval '1 second'")
    time.sleep(cache_version_ttl() + 1)
    fresh = chart_data(api, "data_version", ["published_version", "built_at"])
    assert not fresh["is_cached"] and fresh["data"] != first["data"]
    assert chart_data(api, "data_version", ["published_version", "built_at"])["is_cached"]


# -- the browser -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser_page(superset):
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing under CI: `make system-deps` installs it")
        pytest.skip(f"{CHROMIUM} is not installed (make system-deps)")
    from playwright.sync_api import sync_playwright

    base, instance = superset
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport=VIEWPORT)
        login(page, base, bi.ANALYST, instance.analyst_password)  # what city officials read
        yield base, page
        browser.close()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    """Where the screenshots go: $RENTAN_TEST_OUTPUT/bi when set (CI keeps it), else pytest's temp folder."""
    if not os.environ.get("RENTAN_TEST_OUTPUT"):
        return tmp_path_factory.mktemp("bi_screenshots")
    root = Path(os.environ["RENTAN_TEST_OUTPUT"]) / "bi"
    shutil.rmtree(root, ignore_errors=True)
    return root


def key_figures(admin_url: str, slug: str) -> list[str]:
    """What a dashboard must show, read from the marts (formatted as Superset formats them)."""
    version = query_one(admin_url, "select * from marts.data_version")
    figures = [version["version_label"]]
    capacity = query_one(admin_url, "select * from marts.program_capacity")
    if slug == "ringkasan-program":
        explained = query_one(admin_url, "select * from marts.capacity_explained")
        figures += [
            idr(capacity["capacity"]),
            explained["binding_label"],
            idr(capacity["eligible_count"]),
            idr(capacity["selected_count"]),
            explained["arithmetic_text"],
        ]
    elif slug == "rekonsiliasi-iuran":
        files = query(admin_url, "select file_name, file_total_idr from marts.payment_file_control_totals")
        figures += [name for name, _ in files] + [idr(total) for _, total in files]
    elif slug == "sebaran-penerima":
        figures += [
            kecamatan
            for (kecamatan,) in query(
                admin_url,
                "select label from marts.recipient_distribution where dimension = 'KECAMATAN' and selected > 0",
            )
        ]
    elif slug == "skenario-kebijakan":
        (all_eligible,) = query(
            admin_url,
            """select annual_cost_idr from marts.policy_scenarios
            where scenario = 'ALL_ELIGIBLE' order by start_month limit 1""",
        )[0]
        figures += [idr(all_eligible), idr(capacity["eligible_count"])]
    return figures


@pytest.mark.parametrize(("slug", "title"), dashboards(), ids=[slug for slug, _ in dashboards()])
def test_each_dashboard_renders_every_chart_without_error_and_shows_the_marts(
    browser_page, warehouse, screenshots, slug, title
):
    base, page = browser_page
    loaded = load_dashboard(page, base, slug, title, screenshot=screenshots / f"{slug}.png")
    assert (screenshots / f"{slug}.png").stat().st_size > 10_000
    assert loaded.problems == {}, loaded.problems
    assert title in loaded.text and len(loaded.charts) >= 3
    charts = drawn_text(page)
    shown = "\n".join([loaded.text, *(text for c in charts for text in c["drawn"])])
    missing = [figure for figure in key_figures(warehouse[0], slug) if figure not in shown]
    assert missing == [], f"{slug} does not show {missing}"
    assert charts and not [c for c in charts if "error" in c], charts
    for chart in charts:
        drawn = set(chart["drawn"])
        expected = [axis_label(c) for c in chart["categories"]] + time_axis_months(warehouse[0], chart["name"])
        assert expected, f"{chart['name']}: no axis labels to check"
        assert not [label for label in expected if label not in drawn], f"{chart['name']}: labels not drawn"
        months = month_order(chart["categories"])
        assert months == sorted(months), f"{chart['name']}: months out of order"
    codes = vocabulary_codes(warehouse[0])
    assert not [word for word in re.findall(r"[A-Z][A-Z0-9_-]{2,}", shown) if word in codes]
    assert not re.search(r"\b(NaN|N/A|true|false|None)\b", shown)


# Codes a dashboard reader must see as labels (ops.vocabulary's domains of what the marts carry).
DASHBOARD_CODE_DOMAINS = (
    "reconciliation_category",
    "eligibility_reason",
    "enrollment_status",
    "binding_constraint",
    "replacement_limit",
    "scenario",
    "quarantine_reason",
    "age_band",
    "sex",
    "informal_category",
    "month_kind",
    "quota_rule",
    "control_total",
    "area",
)


def vocabulary_codes(admin_url: str) -> set[str]:
    return {
        code
        for (code,) in query(
            admin_url, "select code from ops.vocabulary where domain = any(%s)", (list(DASHBOARD_CODE_DOMAINS),)
        )
    }


def axis_label(category: str) -> str:
    """A category as its axis draws it: a number with Indonesian thousand dots, text as it is."""
    return idr(int(category)) if category.isdigit() else category


def chart_tables() -> dict[str, tuple[str, dict]]:
    """Each chart's slice name: (its mart, its params)."""
    datasets = {
        yaml.safe_load(p.read_text())["uuid"]: yaml.safe_load(p.read_text())["table_name"]
        for p in (bi.ASSETS_DIR / "datasets").rglob("*.yaml")
    }
    return {
        c["slice_name"]: (datasets[c["dataset_uuid"]], c["params"])
        for c in (yaml.safe_load(p.read_text()) for p in (bi.ASSETS_DIR / "charts").glob("*.yaml"))
    }


def time_axis_months(admin_url: str, chart_name: str) -> list[str]:
    """The months a chart on a time axis (x_axis period) must label: every month of its mart."""
    table, params = chart_tables()[chart_name]
    if params.get("x_axis") != "period":
        return []
    return [
        label
        for label, _ in query(admin_url, f"select distinct month_label, month_order from marts.{table} order by 2")
    ]


def month_order(categories: list[str]) -> list[int]:
    """year x 12 + month of the categories that are months ("Okt 2026"), in the order of the axis."""
    found = (re.fullmatch(r"(\w+) (\d{4})", c) for c in categories)
    return [int(m[2]) * 12 + MONTHS_SHORT_ID.index(m[1]) for m in found if m and m[1] in MONTHS_SHORT_ID]


# -- who logs in: the analyst reads and explores, the admin maintains ---------------------


def test_the_analyst_reads_and_explores_but_changes_no_user_database_or_dashboard(superset):
    base, instance = superset
    analyst = rest_session(base, bi.ANALYST, instance.analyst_password)
    assert len(analyst.get(f"{base}/api/v1/dashboard/", timeout=30).json()["result"]) == 4
    datasets = analyst.get(f"{base}/api/v1/dataset/?q=(page_size:100)", timeout=30).json()["result"]
    assert sorted(d["table_name"] for d in datasets) == dataset_tables()
    explored = analyst.post(
        f"{base}/api/v1/chart/data",
        json={
            "datasource": {"id": datasets[0]["id"], "type": "table"},
            "queries": [
                {
                    "columns": [],
                    "metrics": [{"expressionType": "SQL", "sqlExpression": "COUNT(*)", "label": "baris"}],
                    "row_limit": 10,
                }
            ],
            "result_format": "json",
            "result_type": "full",
        },
        timeout=120,
    )
    assert explored.status_code == 200, explored.text
    dashboard = analyst.get(f"{base}/api/v1/dashboard/", timeout=30).json()["result"][0]
    for refused in (
        analyst.post(f"{base}/api/v1/database/", json={"database_name": "x", "sqlalchemy_uri": "sqlite://"}),
        analyst.get(f"{base}/api/v1/security/users/"),
        analyst.get(f"{base}/api/v1/security/roles/"),
        analyst.put(f"{base}/api/v1/dataset/{datasets[0]['id']}", json={"description": "diubah"}),
        analyst.put(f"{base}/api/v1/dashboard/{dashboard['id']}", json={"dashboard_title": "diubah"}),
    ):
        assert refused.status_code == 403, (refused.request.method, refused.url, refused.status_code)
    admin = rest_session(base, bi.ADMIN, instance.admin_password)
    assert admin.get(f"{base}/api/v1/security/users/", timeout=30).status_code == 200


def test_rentan_bi_stops_every_process_it_started_on_sigterm(superset, warehouse):
    """`rentan bi` on its own port (the module's Superset home), then SIGTERM: gunicorn's master and
    workers are gone, the port is closed, and the command exits cleanly."""
    _, instance = superset
    port = bi.free_port()
    env = {**os.environ, "RENTAN_BI_HOME": str(instance.home), bi.BI_URL_ENV: warehouse[1]}
    command = subprocess.Popen(
        [str(Path(sys.executable).with_name("rentan")), "bi", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + bi.START_TIMEOUT_SECONDS + 240
        while time.monotonic() < deadline:
            assert command.poll() is None, command.stdout.read()
            try:
                if requests.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:  # not up yet, or too busy to answer in 2 s
                time.sleep(1)
        started = descendants(command.pid)
        assert len(started) >= 2, started  # gunicorn's master and its workers
        command.send_signal(signal.SIGTERM)
        assert command.wait(timeout=90) == 0
    finally:
        if command.poll() is None:
            command.kill()
    left = [pid for pid in started if alive(pid)]
    assert left == [], f"still running after SIGTERM: {left}"
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/health", timeout=10)


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (from /proc)."""
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, queue = [], [pid]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
