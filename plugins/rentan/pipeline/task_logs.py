"""Each task's log where Airflow's UI reads it, when `rentan run` runs the DAGs in its own process.

A worker's supervisor writes a task's log to `<home>/logs/<log_filename_template>`. dag.test()
runs the tasks in this process, whose logging is one stream: Airflow's public listener
interface (this plugin, registered by the package's `airflow.plugins` entry point) says when a
task starts and ends, and between the two the stream goes to the task's own file. In any other
process (the scheduler's workers write their own task logs) the stream is never set up and the
listener does nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from pathlib import Path
from typing import BinaryIO

from airflow.listeners import hookimpl
from airflow.plugins_manager import AirflowPlugin


class _Router:
    """A binary stream Airflow's logging writes to; it sends the bytes to the current task's file."""

    def __init__(self, default: BinaryIO):
        self.default = default
        self.target = default

    def write(self, data: bytes) -> int:
        return self.target.write(data)

    def flush(self) -> None:
        self.target.flush()


class TaskLogListener:
    """Opens a task's log file when it starts running and closes it when it ends (rentan run only)."""

    def __init__(self) -> None:
        self.router: _Router | None = None
        self.task_file: BinaryIO | None = None
        self.routed: list[str] = []  # the tasks whose logs went to their own file, for run_dag's check

    def route_process_logging(self, run_log: Path) -> None:
        """This process's logging into `run_log`, and each task's into its own file while it runs."""
        from airflow.sdk.log import configure_logging

        self.router = _Router(open(run_log, "wb"))  # noqa: SIM115 - the process's log, open while it runs
        configure_logging(json_output=True, output=self.router)

    @hookimpl
    def on_task_instance_running(self, previous_state, task_instance) -> None:
        if self.router is None:
            return
        from rentan.pipeline.lineage import fresh_collector

        self._close()
        fresh_collector()  # lineage a task reports is its own, as in a process of its own
        self.task_file = _log_path(task_instance).open("ab")
        self.router.target = self.task_file
        self.routed.append(task_instance.task_id)

    @hookimpl
    def on_task_instance_success(self, previous_state, task_instance) -> None:
        self._close()

    @hookimpl
    def on_task_instance_skipped(self, previous_state, task_instance) -> None:
        self._close()

    @hookimpl
    def on_task_instance_failed(self, previous_state, task_instance, error) -> None:
        if self.router is not None and self.task_file is None:
            # it failed before it ran (a template, say): Airflow logged why to the run log; its file says it too
            line = {"timestamp": dt.datetime.now(dt.UTC).isoformat(), "level": "error", "event": f"failed: {error}"}
            with _log_path(task_instance).open("ab") as task_file:
                task_file.write(json.dumps(line).encode() + b"\n")
            self.routed.append(task_instance.task_id)
        self._close()

    def _close(self) -> None:
        if self.task_file is not None and self.router is not None:
            self.router.target = self.router.default
            with contextlib.suppress(OSError):
                self.task_file.close()
        self.task_file = None


def _log_path(task_instance) -> Path:
    from airflow.sdk.log import init_log_file
    from airflow.utils.helpers import log_filename_template_renderer

    return init_log_file(log_filename_template_renderer()(ti=task_instance))


listener = TaskLogListener()


class TaskLogsPlugin(AirflowPlugin):
    name = "rentan_task_logs"
    listeners = [listener]
