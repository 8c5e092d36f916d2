"""Stopping a run is a first-class outcome: Ctrl-C (SIGINT), SIGTERM or SIGHUP end it at once.

`rentan run` is two processes: this supervisor, which the terminal, systemd, docker or
`timeout` signal, and the worker that runs the DAGs (`rentan run` again, with RUN_WORKER_ENV
set) in a session of its own, so no signal meant for the run reaches Airflow's in-process
task runner (which would count it as a failed try and retry). On a signal the supervisor
kills the worker's whole process group at once (SIGKILL): the warehouse rolls back the
transaction of the stage in progress when the worker's connections close, nothing more is
published, and the supervisor records the stop and exits 130 (SIGINT) or 143 (SIGTERM).

Nothing outlives the run, even when the supervisor itself is killed with SIGKILL: the worker,
dbt and the loader's screening processes ask the kernel to kill them when their parent dies
(`die_with_parent`), and every pipeline session asks PostgreSQL to check that its client is
still there (`SESSION_OPTIONS`), so a query whose process died is cancelled within seconds
and its locks released. The next run starts clean: the build schemas are reset by every
build, and runs left "running" by a killed process are closed by the next `rentan run`
(`stale_runs_closed`).
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

RUN_WORKER_ENV = "RENTAN_RUN_WORKER"
# What a stopped run exits with: 128 + the signal's number, as shells report it.
EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGHUP: 129}
SIGNAL_NAMES = {signal.SIGINT: "SIGINT (Ctrl-C)", signal.SIGTERM: "SIGTERM", signal.SIGHUP: "SIGHUP"}
# libpq options of every pipeline session: PostgreSQL checks every 2 s that the client of a
# running query is still connected, and cancels the query (rolling back its transaction) if not.
SESSION_OPTIONS = "-c client_connection_check_interval=2000"
_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies (a no-op elsewhere).

    Used as `preexec_fn` of the worker and of dbt, and as the initializer of the loader's
    screening processes: a `kill -9` of `rentan run` then leaves nothing running.
    """
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the line above
        os.kill(os.getpid(), signal.SIGKILL)


def with_session_options(env: dict[str, str]) -> dict[str, str]:
    """`env` with SESSION_OPTIONS added to PGOPTIONS (read by libpq: dbt's and GX's connections)."""
    current = env.get("PGOPTIONS", "")
    if SESSION_OPTIONS in current:
        return env
    return {**env, "PGOPTIONS": f"{current} {SESSION_OPTIONS}".strip()}


class Stopped(Exception):
    """The run was stopped by a signal; `code` is the exit status it ends with."""

    def __init__(self, signum: int):
        self.signum = signum
        self.code = EXIT_CODES[signal.Signals(signum)]
        super().__init__(f"stopped by {SIGNAL_NAMES[signal.Signals(signum)]}")


def supervise(argv: list[str], env: dict[str, str]) -> int:
    """Run `argv` (the worker) in a session of its own and wait; on SIGINT/SIGTERM/SIGHUP kill it at once.

    Returns the worker's exit status; raises Stopped (after the worker and everything in its
    process group are dead) when a signal stopped it.
    """
    received: list[int] = []
    worker = subprocess.Popen(argv, env=env, start_new_session=True, preexec_fn=die_with_parent)  # noqa: PLW1509

    def stop(signum, frame) -> None:
        if not received:
            received.append(signum)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)

    previous = {s: signal.signal(s, stop) for s in EXIT_CODES}
    try:
        code = worker.wait()
    finally:
        with contextlib.suppress(ProcessLookupError):  # whatever of its group is left (none, normally)
            os.killpg(worker.pid, signal.SIGKILL)
    if received:
        # Ignored from here on: a second Ctrl-C must not interrupt the recording of the stop.
        for s in EXIT_CODES:
            signal.signal(s, signal.SIG_IGN)
        raise Stopped(received[0])
    for s, handler in previous.items():
        signal.signal(s, handler)
    return code


@contextlib.contextmanager
def live_run(home: Path) -> Iterator[bool]:
    """Mark a `rentan run` live in this Airflow home for the block (a shared flock on a file there).

    Yields True when no other run was live at the start: runs left "running" in the metadata
    database then belong to a process that died, and may be closed (stale_runs_closed).
    """
    home.mkdir(parents=True, exist_ok=True)
    with open(home / "rentan-run.lock", "a+") as lock:  # noqa: PTH123
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            alone = True
        except BlockingIOError:
            alone = False
        fcntl.flock(lock, fcntl.LOCK_SH)  # converts the exclusive lock, or waits for the other's conversion
        yield alone
