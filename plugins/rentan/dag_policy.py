"""What every rentan DAG has: owner, retries with backoff, failure alerts, triage notes.

The policy tests in tests/test_dags.py hold every DAG to this.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.request
from datetime import timedelta

log = logging.getLogger(__name__)

OWNER = "data-engineering"
ALERT_WEBHOOK_ENV = "RENTAN_ALERT_WEBHOOK"


def notify_failure(context) -> None:
    """Log a failed task and, when RENTAN_ALERT_WEBHOOK is set, post it there as JSON."""
    ti = context.get("task_instance") or context.get("ti")
    message = {
        "text": f"rentan: task {ti.dag_id}.{ti.task_id} failed (run {ti.run_id}, try {ti.try_number})",
        "dag_id": ti.dag_id, "task_id": ti.task_id, "run_id": ti.run_id,
        "error": str(context.get("exception") or ""),
    }
    log.error("%s: %s", message["text"], message["error"])
    url = os.environ.get(ALERT_WEBHOOK_ENV)
    if url:
        request = urllib.request.Request(url, data=json.dumps(message).encode(),
                                         headers={"Content-Type": "application/json"})
        try:
            urllib.request.urlopen(request, timeout=10).close()
        except OSError as err:  # an alert that cannot be sent must not hide the original failure
            log.error("could not post the failure alert to %s: %s", url, err)


DEFAULT_ARGS = {
    "owner": OWNER,
    "retries": 2,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=15),
    "on_failure_callback": notify_failure,
}
