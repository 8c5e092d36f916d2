"""The alert path, end to end over HTTP: what on-call receives when a task fails or a report is late."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import socket
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rentan.pipeline import dag_policy
from rentan.pipeline.dag_policy import ALERT_WEBHOOK_ENV, notify_failure


class Receiver:
    """A webhook on 127.0.0.1 that records each JSON body and answers with `status`."""

    def __init__(self, status: int = 200, delay: float = 0.0):
        self.bodies: list[dict] = []
        self.paths: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.paths.append(self.path)
                receiver.bodies.append(json.loads(body))
                if delay:
                    threading.Event().wait(delay)
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/secret-token"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def failure_context(exception: BaseException) -> dict:
    """The context Airflow's task runner gives on_failure_callback: a RuntimeTaskInstance and the error."""
    from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance

    ti = RuntimeTaskInstance.model_construct(
        id=uuid.uuid4(),
        dag_version_id=uuid.uuid4(),
        dag_id="rentan_ingest",
        task_id="load_file",
        run_id="scheduled__2026-02-01T01:00:00+00:00",
        try_number=3,
        map_index=2,
        max_tries=2,
        start_date=dt.datetime(2026, 2, 1, 1, 0, tzinfo=dt.UTC),
        task=None,
    )
    return {"ti": ti, "task_instance": ti, "run_id": ti.run_id, "exception": exception}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_failed_task_is_posted_to_the_webhook_as_json(monkeypatch):
    with Receiver() as receiver:
        monkeypatch.setenv(ALERT_WEBHOOK_ENV, receiver.url)
        notify_failure(failure_context(ValueError("dukcapil_2026-01-31.csv line 7: bad quoting")))

    [body] = receiver.bodies
    assert receiver.paths == ["/hooks/secret-token"]
    assert body["kind"] == "task_failed"
    assert (body["dag_id"], body["task_id"], body["try_number"], body["map_index"]) == (
        "rentan_ingest",
        "load_file",
        3,
        2,
    )
    assert body["run_id"] == "scheduled__2026-02-01T01:00:00+00:00"
    assert body["error"] == "dukcapil_2026-01-31.csv line 7: bad quoting"
    assert body["text"].startswith("rentan: task rentan_ingest.load_file failed")
    assert "/dags/rentan_ingest/runs/" in body["log_url"] and body["log_url"].endswith("/mapped/2?try_number=3")


def test_a_long_error_is_cut_so_the_message_stays_readable(monkeypatch):
    with Receiver() as receiver:
        monkeypatch.setenv(ALERT_WEBHOOK_ENV, receiver.url)
        notify_failure(failure_context(RuntimeError("x" * 50_000)))
    assert len(receiver.bodies[0]["error"]) == dag_policy.MAX_ERROR_CHARS


def test_without_a_webhook_the_failure_is_only_logged(monkeypatch, caplog):
    monkeypatch.delenv(ALERT_WEBHOOK_ENV, raising=False)
    notify_failure(failure_context(ValueError("boom")))
    assert "rentan: task rentan_ingest.load_file failed" in caplog.text


@pytest.mark.parametrize("url", ["http://127.0.0.1:{port}/hook", "not a url", "ftp:/nowhere"])
def test_an_unreachable_or_bad_webhook_does_not_raise(monkeypatch, caplog, url):
    monkeypatch.setenv(ALERT_WEBHOOK_ENV, url.format(port=free_port()))
    notify_failure(failure_context(ValueError("boom")))  # must not raise
    assert "could not post the alert" in caplog.text
    assert "/hook" not in caplog.text.split("could not post the alert")[1]  # the token-bearing path is not logged


def test_a_webhook_that_errors_or_hangs_does_not_raise(monkeypatch, caplog):
    monkeypatch.setattr(dag_policy, "ALERT_TIMEOUT_SECONDS", 0.3)
    for receiver in (Receiver(status=500), Receiver(delay=1)):
        with receiver:
            monkeypatch.setenv(ALERT_WEBHOOK_ENV, receiver.url)
            assert dag_policy.post_alert({"text": "x"}) is False
    assert caplog.text.count("could not post the alert") == 2


def test_a_missed_report_deadline_is_posted(monkeypatch):
    # The context Airflow's scheduler builds in Deadline.handle_miss and the triggerer passes on.
    context = {
        "dag_run": {
            "dag_run_id": "scheduled__2026-03-01T02:00:00+00:00",
            "dag_id": "rentan_report",
            "state": "running",
            "logical_date": "2026-03-01T02:00:00Z",
        },
        "deadline": {"id": str(uuid.uuid4()), "deadline_time": "2026-03-05T12:00:00+00:00"},
    }
    with Receiver() as receiver:
        monkeypatch.setenv(ALERT_WEBHOOK_ENV, receiver.url)
        assert asyncio.run(dag_policy.deadline_missed(context=context, what="the monthly report")) is True
    [body] = receiver.bodies
    assert body["kind"] == "deadline_missed"
    assert (body["dag_id"], body["state"], body["deadline"]) == (
        "rentan_report",
        "running",
        "2026-03-05T12:00:00+00:00",
    )
    assert body["text"].startswith("rentan: the monthly report is late: rentan_report run scheduled__2026-03-01")


def test_report_deadline_is_the_due_day_counted_from_the_schedule():
    from airflow.sdk import AsyncCallback, DeadlineAlert, DeadlineReference

    alert = dag_policy.report_deadline("0 2 1 * *", due_day=5, due_hour=12)
    assert isinstance(alert, DeadlineAlert)
    assert alert.reference == DeadlineReference.DAGRUN_LOGICAL_DATE
    assert alert.interval == dt.timedelta(days=4, hours=10)
    assert isinstance(alert.callback, AsyncCallback)
    assert alert.callback.path == "rentan.pipeline.dag_policy.deadline_missed"
    for bad in ("@monthly", "0 2 * * 1", "0 12 5 * *"):
        with pytest.raises(ValueError):
            dag_policy.report_deadline(bad, due_day=5, due_hour=12)


def test_a_dag_with_the_report_deadline_serializes():
    """The scheduler only sees the serialized DAG: the deadline and its callback path must survive."""
    from airflow.sdk import DAG
    from airflow.serialization.serialized_objects import DagSerialization

    with DAG(
        "deadline_probe",
        schedule=dag_policy.REPORT_SCHEDULE,
        deadline=dag_policy.report_deadline(),
        start_date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    ) as dag:
        pass
    text = json.dumps(DagSerialization.to_dict(dag))
    assert "rentan.pipeline.dag_policy.deadline_missed" in text and "DagRunLogicalDateDeadline" in text
