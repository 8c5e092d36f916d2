"""Pieces of issue 21 on their own: the landing area's watcher (the triggerer starts the ingest when
a delivery has settled), a retry that says what ended the try before it, lineage's one setting."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

from rentan.pipeline import dag_policy
from rentan.pipeline.landing_watch import LandingTrigger
from rentan_dev.receiver import Receiver


async def events_of(trigger: LandingTrigger, actions: list, polls: int) -> list:
    """Run the trigger for `polls` polls, doing actions[i] before poll i; the payloads it fired."""
    fired = []
    stream = trigger.run()

    async def collect():
        async for event in stream:
            fired.append(event.payload)

    task = asyncio.create_task(collect())
    for poll in range(polls):
        if poll < len(actions) and actions[poll]:
            actions[poll]()
        await asyncio.sleep(trigger.poll_seconds)
    task.cancel()
    return fired


def test_the_watcher_fires_once_a_delivery_has_stopped_changing_and_not_again(tmp_path):
    landing = tmp_path / "landing"
    (landing / "dukcapil").mkdir(parents=True)
    target = landing / "dukcapil" / "dukcapil_20260131.csv"

    def write(text):
        return lambda: target.write_text(text)

    actions = [None, write("nik\n"), write("nik\n1\n"), write("nik\n1\n2\n"), None, None, None, None]
    trigger = LandingTrigger(landing=str(landing), poll_seconds=0.3)
    fired = asyncio.run(events_of(trigger, actions, polls=len(actions)))
    assert fired == [{"landing": str(landing), "files": 1}]  # not while it was being written, once after
    assert LandingTrigger(**trigger.serialize()[1]).serialize() == trigger.serialize()


def test_an_empty_landing_area_starts_nothing(tmp_path):
    trigger = LandingTrigger(landing=str(tmp_path / "not-there-yet"), poll_seconds=0.2)
    assert asyncio.run(events_of(trigger, [], polls=4)) == []


def test_a_retry_posts_why_the_try_before_ended_from_its_log(tmp_path, monkeypatch):
    """A killed task process runs no callback: its supervisor's last line in the log is the only account."""
    logs = tmp_path / "logs"
    ti = SimpleNamespace(dag_id="rentan_ingest", task_id="load_file", run_id="asset_triggered__x", map_index=3)
    previous = logs / "dag_id=rentan_ingest/run_id=asset_triggered__x/task_id=load_file/map_index=3/attempt=1.log"
    previous.parent.mkdir(parents=True)
    lines = [
        {"level": "info", "event": "COPY"},
        {"level": "critical", "event": "Process terminated by signal.", "signal": -9, "signal_name": "SIGKILL"},
    ]
    previous.write_text("".join(json.dumps(line) + "\n" for line in lines))
    monkeypatch.setenv("AIRFLOW__LOGGING__BASE_LOG_FOLDER", str(logs))
    with Receiver() as receiver:
        monkeypatch.setenv(dag_policy.ALERT_WEBHOOK_ENV, f"{receiver.url}/hook")
        dag_policy.announce_retry({"ti": SimpleNamespace(**vars(ti), try_number=1)})  # a first try: nothing
        dag_policy.announce_retry({"ti": SimpleNamespace(**vars(ti), try_number=2)})
        [alert] = receiver.wait_for(lambda bodies: bodies, timeout=10)
    assert alert["kind"] == "task_retried" and alert["try_number"] == 2 and alert["map_index"] == 3
    assert alert["error"] == "Process terminated by signal. (SIGKILL)"
    assert "rentan_ingest.load_file[3] is on try 2" in alert["text"]


@pytest.mark.slow
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
