"""What every rentan DAG has: owner, retries with backoff, failure alerts, triage notes.

A failed (or to-be-retried) task keeps its one-line error as its XCom `error`
(`record_error`): `rentan run` and `rentan status` read it from Airflow's metadata
database. Configuration errors are never retried (`fail_without_retry`). A retry announces
itself (`announce_retry`) with what ended the try before it, read from that try's log: a
try whose process was killed (out of memory, a lost worker) ran no callback of its own.

The policy tests in tests/test_dags.py hold every DAG to this. Alerts go to the log and,
when RENTAN_ALERT_WEBHOOK is set, to that URL as a JSON POST (Slack/Mattermost/Teams
style `{"text": ...}` plus structured fields). A deadline alert (`report_deadline`)
warns when the monthly report is not ready by its due day.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

OWNER = "data-engineering"
ALERT_WEBHOOK_ENV = "RENTAN_ALERT_WEBHOOK"
# The first retry's delay in seconds (each next one doubles, up to MAX_RETRY_DELAY): an
# operational setting of the deployment, read when the DAG files are parsed.
RETRY_DELAY_ENV = "RENTAN_RETRY_DELAY_SECONDS"
DEFAULT_RETRY_DELAY_SECONDS = 60
MAX_RETRY_DELAY = timedelta(minutes=15)
ALERT_TIMEOUT_SECONDS = 5
MAX_ERROR_CHARS = 1000
ERROR_XCOM = "error"

# The monthly report: runs at 02:00 on the 1st (Airflow's default timezone: Asia/Jakarta in docker-compose),
# due to the finance office by the 5th at noon
# (operational defaults, not programme rules: change them here, once).
REPORT_SCHEDULE = "0 2 1 * *"
REPORT_DUE_DAY = 5
REPORT_DUE_HOUR = 12


def post_alert(message: dict) -> bool:
    """POST `message` as JSON to RENTAN_ALERT_WEBHOOK; True if it was accepted.

    Never raises: an alert that cannot be sent must not hide the failure it reports.
    The URL is not logged whole (chat webhooks carry their token in the path).
    """
    url = os.environ.get(ALERT_WEBHOOK_ENV, "").strip()
    if not url:
        return False
    try:
        if urlsplit(url).scheme not in ("http", "https"):
            raise ValueError("the webhook must be an http(s) URL")
        request = urllib.request.Request(
            url,
            data=json.dumps(message, default=str).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=ALERT_TIMEOUT_SECONDS):
            return True
    except (OSError, ValueError) as err:  # URLError, HTTPError, timeouts, a malformed URL
        log.error("could not post the alert to %s: %s", _safe_host(url), err)
        return False


def _safe_host(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}" if parts.hostname else "(invalid webhook URL)"


def error_line(error: BaseException | str | None) -> str:
    """An error as one line (whitespace collapsed), at most MAX_ERROR_CHARS long, secrets as *** (XCom, alerts)."""
    from rentan.warehouse import redact

    return redact(" ".join(str(error or "").split()))[:MAX_ERROR_CHARS]


def record_error(context) -> None:
    """Keep the failed try's message on its task instance, as XCom `error` (cleared when a new try starts).

    Never raises: recording must not hide the failure it records.
    """
    ti = context.get("task_instance") or context.get("ti")
    exception = context.get("exception")
    if ti is None or exception is None:
        return
    try:
        ti.xcom_push(key=ERROR_XCOM, value=error_line(exception))
    except Exception as err:  # noqa: BLE001 - e.g. no API to push to; the log still has the error
        log.warning("could not record the error as XCom %r: %s", ERROR_XCOM, err)


def notify_failure(context) -> None:
    """Record the failed task's error (XCom `error`), log it and, when RENTAN_ALERT_WEBHOOK is set, post it."""
    record_error(context)
    ti = context.get("task_instance") or context.get("ti")
    dag_run = context.get("dag_run")
    dag_id = getattr(ti, "dag_id", None) or getattr(dag_run, "dag_id", "?")
    task_id = getattr(ti, "task_id", None)
    run_id = getattr(ti, "run_id", None) or getattr(dag_run, "run_id", None)
    try_number = getattr(ti, "try_number", None)
    error = error_line(context.get("exception") or context.get("reason"))
    what = f"task {dag_id}.{task_id}" if task_id else f"DAG {dag_id}"
    message = {
        "text": f"rentan: {what} failed (run {run_id}, try {try_number}): {error}".strip(),
        "kind": "task_failed",
        "dag_id": dag_id,
        "task_id": task_id,
        "run_id": run_id,
        "try_number": try_number,
        "map_index": getattr(ti, "map_index", None),
        "log_url": getattr(ti, "log_url", None),
        "error": error,
        "triage": "see the DAG's doc (Triage) in the Airflow UI, then `rentan status`",
    }
    log.error("%s", message["text"])
    post_alert(message)


def previous_try_error(ti) -> str | None:
    """The last error line of the previous try's log (where Airflow's UI reads it), or None.

    The log is JSON lines; the supervisor writes there why a task process ended without
    reporting (`Process terminated by signal ...`), the task runner the exception of a try
    that raised. Logs on another worker's disk (no shared log volume) are not found.
    """
    try:
        import jinja2
        from airflow.configuration import conf

        template = conf.get("logging", "log_filename_template")
        name = jinja2.Template(template).render(ti=ti, try_number=ti.try_number - 1)
        path = os.path.join(conf.get("logging", "base_log_folder"), name)
        with open(path, encoding="utf-8", errors="replace") as log_file:
            lines = log_file.read().splitlines()
    except (OSError, ValueError, ImportError, AttributeError) as err:
        log.info("no log of the previous try to read: %s", err)
        return None
    for line in reversed(lines):
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict) and event.get("level") in ("error", "critical"):
            text = str(event.get("event", ""))
            if text.startswith("rentan: task ") and "): " in text:  # notify_failure's line: its message
                text = text.split("): ", 1)[1]
            signal_name = f" ({event['signal_name']})" if event.get("signal_name") else ""
            return error_line(f"{text}{signal_name}")
    return None


def announce_retry(context) -> None:
    """On a retry: log and post that the try before did not finish, and why (its log's last error)."""
    ti = context.get("task_instance") or context.get("ti")
    try_number = getattr(ti, "try_number", None) or 1
    if try_number < 2:
        return
    error = previous_try_error(ti) or "its log has no error line (see the log of that try)"
    label = getattr(ti, "map_index", -1)
    what = f"{ti.dag_id}.{ti.task_id}" + (f"[{label}]" if label is not None and label >= 0 else "")
    message = {
        "text": f"rentan: task {what} is on try {try_number} (run {ti.run_id}): try {try_number - 1} did not finish: "
        f"{error}",
        "kind": "task_retried",
        "dag_id": ti.dag_id,
        "task_id": ti.task_id,
        "run_id": ti.run_id,
        "try_number": try_number,
        "map_index": getattr(ti, "map_index", None),
        "error": error,
        "triage": "a retry: nothing to do unless it keeps happening (memory, a worker host); see the try's log",
    }
    log.warning("%s", message["text"])
    post_alert(message)


def retry_delay() -> timedelta:
    """The first retry's delay: $RENTAN_RETRY_DELAY_SECONDS, else a minute."""
    return timedelta(seconds=float(os.environ.get(RETRY_DELAY_ENV) or DEFAULT_RETRY_DELAY_SECONDS))


DEFAULT_ARGS = {
    "owner": OWNER,
    "retries": 2,
    "retry_delay": retry_delay(),
    "retry_exponential_backoff": True,
    "max_retry_delay": MAX_RETRY_DELAY,
    "on_failure_callback": notify_failure,
    "on_retry_callback": record_error,
    "on_execute_callback": announce_retry,
}


def not_retried() -> tuple[type[BaseException], ...]:
    """Failures a retry does not fix, or that must not be retried for minutes.

    No warehouse configured, a wrong or too old one (ConfigurationError), a warehouse that
    does not answer (WarehouseError, after connect's own few seconds of tries) or went away
    mid-task (psycopg.OperationalError), another run holding the stage past the lock's wait
    (StageBusy), no pseudonym key (MissingKey). Tasks that read parameters add ValueError (an
    unknown or invalid parameter) to their own `fail_without_retry(...)`. Imported when a
    task runs, not when a DAG file is parsed.
    """
    import psycopg

    from rentan.warehouse.errors import WarehouseError
    from rentan.warehouse.locks import StageBusy
    from rentan.warehouse.pseudonym import MissingKey

    return (WarehouseError, psycopg.OperationalError, StageBusy, MissingKey)


@contextlib.contextmanager
def fail_without_retry(*also: type[BaseException]) -> Iterator[None]:
    """End the task at once (AirflowFailException, one line) on `not_retried()` errors and on `also`."""
    import psycopg
    from airflow.sdk.exceptions import AirflowFailException

    from rentan.warehouse import one_line

    try:
        yield
    except (*not_retried(), *also) as err:
        lost = isinstance(err, psycopg.OperationalError)
        raise AirflowFailException(("lost the warehouse: " if lost else "") + one_line(err)) from None


async def deadline_missed(context: dict | None = None, **kwargs) -> bool:
    """Deadline Alert callback (run by the triggerer): log and post that a run is late.

    Airflow passes a small context: `dag_run` (the API's DAG run fields) and `deadline`.
    """
    dag_run = (context or {}).get("dag_run") or {}
    deadline = (context or {}).get("deadline") or {}
    what = kwargs.get("what", "a run")
    text = (
        f"rentan: {what} is late: {dag_run.get('dag_id')} run {dag_run.get('dag_run_id')} "
        f"(state {dag_run.get('state')}) was due by {deadline.get('deadline_time')}"
    )
    log.error("%s", text)
    message = {
        "text": text,
        "kind": "deadline_missed",
        "dag_id": dag_run.get("dag_id"),
        "run_id": dag_run.get("dag_run_id"),
        "state": dag_run.get("state"),
        "deadline": deadline.get("deadline_time"),
        **kwargs,
    }
    return await asyncio.to_thread(post_alert, message)


def due_after_schedule(schedule: str, due_day: int, due_hour: int) -> timedelta:
    """How long after a monthly cron's firing (`M H D * *`) day `due_day` at `due_hour`:00 comes."""
    fields = schedule.split()
    if len(fields) != 5 or fields[3:] != ["*", "*"] or not all(f.isdigit() for f in fields[:3]):
        raise ValueError(f"expected a monthly cron 'M H D * *' with fixed numbers, got {schedule!r}")
    minute, hour, day = (int(f) for f in fields[:3])
    interval = timedelta(days=due_day - day, hours=due_hour - hour, minutes=-minute)
    if interval <= timedelta(0):
        raise ValueError(f"due day {due_day} {due_hour}:00 is not after the schedule {schedule!r}")
    return interval


def report_deadline(
    schedule: str = REPORT_SCHEDULE,
    due_day: int = REPORT_DUE_DAY,
    due_hour: int = REPORT_DUE_HOUR,
    what: str = "the monthly report",
):
    """An Airflow Deadline Alert: warn when a monthly run has not finished by its due day.

    Pass it as `@dag(schedule=schedule, deadline=report_deadline(schedule), ...)`. The
    deadline is the run's logical date (the cron's firing time) plus the time to the due
    day, so only scheduled runs get one: asset-triggered runs have no logical date. A run
    that finishes in time removes its deadline; a late one makes the triggerer call
    `deadline_missed`, which logs and posts to the webhook.
    """
    from airflow.sdk import AsyncCallback, DeadlineAlert, DeadlineReference

    return DeadlineAlert(
        reference=DeadlineReference.DAGRUN_LOGICAL_DATE,
        interval=due_after_schedule(schedule, due_day, due_hour),
        callback=AsyncCallback(deadline_missed, kwargs={"what": what}),
        name="report_due",
    )
