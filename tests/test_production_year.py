"""The programme year under Airflow's real scheduler (issue 21): `rentan year`, asserted.

Airflow's api-server, scheduler, dag-processor and triggerer run with the LocalExecutor (two
slots) and their metadata in PostgreSQL; a fresh warehouse of its own; a landing area the
providers fill while the scheduler runs (rentan_dev.year has the script and its faults).
OpenLineage is on (OPENLINEAGE_URL, the alerts' receiver): the lineage graph is checked on the
year's own events. At the end the same deliveries are built again, in the same order, on a fresh
database: the year must have published the same. Last, the year's
warehouse is destroyed, the backup the nightly DAG made after February is restored onto a new
server, and the rest of the year arrives there: it must publish what the year published.
Marker `production`: CI runs it (plain `pytest`); `-m "not production"` leaves it out.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections import deque
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from rentan_dev import year as programme
from tests.helpers_dbt import load_landing, migrated_database, publish_run, query, warehouse_env
from tests.helpers_production import differences, published_rows

# The year takes 7-15 minutes (more on a machine shared with other suites): longer than the suite's item timeout.
pytestmark = [pytest.mark.production, pytest.mark.timeout(3000)]
CALLS = "select era, call_order, nik, slot_key, run_id from history.calls order by era, call_order"


@pytest.fixture(scope="module")
def year(server_url, tmp_path_factory):
    root = tmp_path_factory.mktemp("year")
    played = programme.prepare(root, server_url)
    try:
        programme.play(played)
        yield played
    finally:
        programme.stop(played)


@pytest.fixture(scope="module")
def reference(year, server_url):
    """The year's deliveries built again on a fresh database, as `rentan run`'s transform builds them, once
    per version the year published, each time with the files that version first published: a call stands
    once published, so the order of deliveries is part of the input."""
    landing = year.root / "reference-landing"
    with migrated_database(server_url, prefix="t_year_ref") as url:
        with warehouse_env(url):
            for number, files in enumerate(programme.publications(year), start=1):
                for name in files:
                    (landing / name).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(year.landing / name, landing / name)
                load_landing(url, landing)
                publish_run(f"manual__reference_{number}", programme.PARAMS)
        yield url


@pytest.fixture(scope="module")
def restored(year):
    """The year's warehouse is lost; the mid-year backup restored on a new server, the rest of the year delivered."""
    final = {"published": published_rows(year.warehouse_url), "calls": year.query(CALLS)}
    year.warehouse.stop()
    shutil.rmtree(year.warehouse.home)  # the disk fails: nothing of it is left
    [backup] = step(year, 2).facts["backup"]["folders"]
    warehouse, said = programme.restore_and_carry_on(year, backup)
    try:
        url = warehouse.url()
        yield {"final": final, "url": url, "said": said, "backup": Path(backup)}
    finally:
        warehouse.stop()
        shutil.rmtree(warehouse.home, ignore_errors=True)


def step(year, number: int) -> programme.Step:
    return year.steps[number - 1]


def alerts(step_, kind: str) -> list[dict]:
    return [a for a in step_.alerts if a.get("kind") == kind]


def files_tried(year, run: dict) -> set[str]:
    """The landing files an ingest run found new and tried to load (its mapped load_file tasks)."""
    tasks = year.stack.task_instances("rentan_ingest", run["dag_run_id"])
    return {ti["rendered_map_index"] for ti in tasks if ti["task_id"] == "load_file"}


def loading_runs(year, step_) -> list[dict]:
    """The step's ingest runs that found files to load: the hourly run may also come, before or after."""
    return [r for r in step_.runs["rentan_ingest"] if files_tried(year, r)]


def test_the_scheduler_ran_the_year_no_one_ran_a_dag_by_hand(year):
    for s in year.steps:
        # the triggerer noticed the deliveries (the hourly run may come first), the assets chained the rest
        assert "asset_triggered" in {r["run_type"] for r in s.runs["rentan_ingest"]}, s.label
        assert {r["run_type"] for r in s.runs["rentan_ingest"]} <= {"asset_triggered", "scheduled"}, s.label
        assert {r["run_type"] for r in s.runs["rentan_transform"]} == {"asset_triggered"}, s.label
    backfill = [r for r in step(year, 3).runs["rentan_report"] if r["run_type"] == "manual"]
    assert [r["conf"] for r in backfill] == [{"period": "2026-02"}]  # on-call's backfill, the only manual run


def test_nothing_delivered_was_lost_or_loaded_twice(year):
    rows = year.query("select file_name, checksum, status, rows_read from meta.load_manifest order by batch_id")
    loaded = [r for r in rows if r[2] == "LOADED"]
    assert sorted(r[0] for r in loaded) == sorted(year.arrivals)  # every file, once
    assert len({(r[0], r[1]) for r in loaded}) == len(loaded)
    for name, _, _, rows_read in loaded:
        lines = (year.landing / name).read_bytes().count(b"\n") - 1  # the header
        assert rows_read == lines, name
    # raw holds exactly the loaded batches, each with every line of its file
    raw = dict(
        year.query(
            """select m.file_name, count(*) from meta.load_manifest as m
               join (select batch_id from raw.dtsen union all select batch_id from raw.dukcapil
                     union all select batch_id from raw.bpjs_kepesertaan union all select batch_id from raw.bpjs_iuran)
                 as r using (batch_id)
               group by m.file_name"""
        )
    )
    assert raw == {name: rows_read for name, _, _, rows_read in loaded}


def test_a_load_killed_mid_copy_left_nothing_and_its_retry_loaded_the_file_once(year):
    first = step(year, 1)
    killed = first.facts["killed"]
    assert killed["rows_copied_when_killed"] > 50 and "airflow" in killed["command"]
    assert year.query("select to_regclass(%s)", (killed["table"],)) == [(None,)]  # rolled back whole
    # retried in the run that loaded it, as the DAG policy says
    assert {r["state"] for r in first.runs["rentan_ingest"]} == {"success"}
    [(ingest, load)] = [
        (run, ti)
        for run in loading_runs(year, first)
        for ti in year.stack.task_instances("rentan_ingest", run["dag_run_id"])
        if ti["task_id"] == "load_file" and ti["try_number"] > 1
    ]
    assert load["rendered_map_index"].split("/")[0] == "dukcapil"
    tries = year.stack.tries("rentan_ingest", ingest["dag_run_id"], "load_file", load["map_index"])
    assert [t["state"] for t in tries] == ["failed", "success"] or [t["state"] for t in tries] == [
        "up_for_retry",
        "success",
    ]
    [alert] = alerts(first, "task_retried")
    assert (alert["task_id"], alert["map_index"], alert["try_number"]) == ("load_file", load["map_index"], 2)
    assert "terminated by signal" in alert["error"].lower(), alert  # the killed try's own message, from its log


def test_the_busy_slot_did_not_hold_the_year_back(year):
    first = step(year, 1)
    assert first.facts["busy_still_running"]  # the long task held its slot the whole step
    assert {r["state"] for r in first.runs["rentan_transform"]} == {"success"}
    before, after = first.facts["published"]
    # at most one publication per ingest run that loaded files (the hourly run may have split the
    # delivery): the transform runs started by a run's later asset events found its batches published
    # and were skipped
    loading = len(loading_runs(year, first))
    assert (after - before == 1) if loading == 1 else (1 <= after - before <= loading)


def test_the_rejected_file_failed_its_run_with_its_message_and_an_alert_and_came_back_fixed(year):
    second = step(year, 2)
    # a run failed exactly when it found the broken file (an hourly run may have come before it arrived,
    # or after, and tried it again); the last run found it
    runs = loading_runs(year, second)
    assert [r["state"] == "failed" for r in runs] == [programme.REJECTED_FILE in files_tried(year, r) for r in runs]
    failed_runs = [r for r in runs if r["state"] == "failed"]
    assert failed_runs and second.runs["rentan_ingest"][-1] == failed_runs[-1]
    assert {r["state"] for r in second.runs["rentan_transform"]} == {"success"}  # the good files went on
    before, after = second.facts["published"]
    assert 1 <= after - before <= len(runs)
    failed = [a for a in alerts(second, "task_failed") if a["task_id"] == "rejected"]
    assert sorted(a["run_id"] for a in failed) == sorted(r["dag_run_id"] for r in failed_runs)  # one alert a run
    for alert in failed:
        assert "bpjs_iuran_202602.csv" in alert["text"], alert
        assert "required column 'total_iuran' missing" in alert["text"], alert
    status = "\n".join(second.status)
    assert re.search(r"rentan_ingest\s+FAILED", status)
    assert re.search(r"failed: rejected: 1 file\(s\) not loaded.*bpjs_iuran_202602\.csv", status)
    history = year.query(
        "select status from meta.load_manifest where file_name = %s order by batch_id", (programme.REJECTED_FILE,)
    )
    assert history == [("REJECTED",)] * len(failed_runs) + [("LOADED",)]


def test_the_warehouse_restart_failed_the_build_with_its_message_and_the_cleared_run_succeeded(year):
    third = step(year, 3)
    failed = third.facts["failed_transform"]
    status = "\n".join(third.facts["status_after_fault"])
    assert re.search(r"rentan_transform\s+FAILED", status) or "failed: dbt_build" in status, status
    assert re.search(r"failed: dbt_build: (lost the warehouse|dbt build failed)", status), status
    [alert] = [a for a in alerts(third, "task_failed") if a["task_id"] == "dbt_build"]
    assert alert["run_id"] == failed["dag_run_id"]
    # readers kept the version published before the fault until a build after it published
    assert int(re.search(r"published: version (\d+)", status)[1]) == third.facts["published_before_fault"]
    final = {r["dag_run_id"]: r["state"] for r in year.stack.runs("rentan_transform")}
    assert final[failed["dag_run_id"]] == "success"  # on-call cleared it: it ran again (or found its batches published)
    version, batches = year.query("select version, inputs -> 'batches' from meta.publish_log order by version desc")[0]
    assert version > third.facts["published_before_fault"]
    loaded = year.query(
        "select feed, array_agg(batch_id order by batch_id) from meta.load_manifest "
        "where status = 'LOADED' group by feed"
    )
    assert {feed: sorted(ids) for feed, ids in batches.items()} == dict(loaded)


def test_every_month_has_its_report(year):
    for period in ("2026-01", "2026-02", "2026-03"):
        for name in (f"laporan_rekonsiliasi_{period}.xlsx", f"ringkasan_rekonsiliasi_{period}.pdf"):
            assert (year.reports / name).stat().st_size > 1000, name


def test_status_told_the_truth_after_every_step(year):
    for s in year.steps:
        text = "\n".join(s.status)
        assert "rentan_ingest" in text and "rentan_transform" in text, s.label
        published = re.search(r"published: version (\d+), run (\S+),", text)
        assert published, text
        runs = {dag_id: runs[-1] for dag_id, runs in s.runs.items() if runs}
        for dag_id, run in runs.items():
            final = next(r for r in year.stack.runs(dag_id) if r["dag_run_id"] == run["dag_run_id"])
            if final["state"] == run["state"]:  # not changed by a later clear
                assert re.search(rf"{dag_id}\s+{run['state'].upper()}", text), (dag_id, text)
    last = "\n".join(year.steps[-1].status)
    version, run_id = year.query("select version, run_id from meta.publish_log order by version desc limit 1")[0]
    assert f"published: version {version}, run {run_id}," in last


def test_the_published_marts_equal_what_rentan_run_builds_from_the_same_landing_area(year, reference):
    assert differences(published_rows(year.warehouse_url), published_rows(reference)) == []
    calls = "select era, call_order, nik, slot_key, slot_start_month from history.calls order by era, call_order"
    assert year.query(calls)  # the year called replacements
    assert year.query(calls) == query(reference, calls)


def test_arrival_to_published_is_measured_for_every_file(year):
    seconds = year.arrival_to_published()
    assert set(seconds) == set(year.arrivals)
    assert all(0 < s < 900 for s in seconds.values()), seconds
    out = Path(os.environ.get("RENTAN_TEST_OUTPUT") or year.root) / "year"
    out.mkdir(parents=True, exist_ok=True)
    (out / "arrival_to_published.json").write_text(json.dumps(seconds, indent=2, sort_keys=True))


# -- lineage: the year's OpenLineage events -----------------------------------------------


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


def test_lineage_leads_from_a_landing_file_through_raw_staging_and_marts_to_a_dashboard(year):
    events = year.alerts.bodies("/api/v1/lineage")
    database = urlsplit(year.warehouse_url).path.strip("/")
    edges = graph(events)
    start = f"file/{(year.landing / 'dtsen' / 'dtsen_20251201.csv').resolve()}"
    found = path(edges, start, lambda node: node.startswith("superset/"))
    assert found, f"no path from {start}; nodes: {sorted(edges)[:30]}"
    names = [node.split("/", 3)[-1] for node in found]
    layers = [name.split(".")[1] if name.count(".") == 2 else name for name in names]
    # file -> raw -> staging -> (intermediate ...) -> marts_build -> marts -> the dashboard
    assert names[1] == f"{database}.raw.dtsen", found
    assert "staging" in layers and layers.index("staging") < layers.index("marts"), found
    assert layers[-2] == "marts" and found[-1].startswith("superset/"), found
    # the load and publish are Airflow tasks' own events; dbt's models are children of the dbt_build task
    jobs = {e["job"]["name"] for e in events}
    assert {"rentan_ingest.load_file", "rentan_transform.dbt_build", "rentan_transform.publish"} <= jobs
    dbt_models = [e for e in events if e["job"]["name"].endswith(".build.run")]  # openlineage-dbt's model runs
    assert dbt_models, sorted(jobs)[:20]
    assert {e["run"]["facets"]["parent"]["job"]["name"] for e in dbt_models} == {"rentan_transform.dbt_build"}


# -- backup and restore: the last test (it destroys the year's warehouse) ----------------------------


def test_a_warehouse_restored_from_the_mid_year_backup_carries_on_exactly(year, restored):
    """Backed up by the nightly DAG after February; March arrives on the restored warehouse."""
    second = step(year, 2)
    assert second.facts["backup"]["state"] == "success"
    assert differences(restored["final"]["published"], published_rows(restored["url"])) == []
    calls = query(restored["url"], CALLS)
    assert [c[:4] for c in calls] == [c[:4] for c in restored["final"]["calls"]]  # same people, slots, order
    # the calls pinned before the backup kept the run that made them: history came back, not recomputed
    pinned = [tuple(c) for c in second.facts["calls_at_backup"]]
    assert pinned and set(pinned) <= set(calls)
    assert "published version" in restored["said"]
    assert query(restored["url"], "select count(*) from meta.restore_log") == [(1,)]
