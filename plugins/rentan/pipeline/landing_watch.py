"""The landing area's watcher: Airflow's triggerer notices deliveries and the scheduler starts the ingest.

`LandingTrigger` is an event trigger (an AssetWatcher of the asset `rentan.landing`, which
`rentan_ingest` is scheduled on besides its hourly run). Every `poll_seconds` it lists the
files of the landing area's feed folders (name, size, modification time); when the listing
differs from the one it last reported and stayed the same for one more look (a file still
being written keeps changing it), it fires once. Which files are new, complete and not yet
loaded is the ingest run's to decide (sidecars, settle time, checksums): the watcher only
says "look now". Its first stable look after the triggerer starts fires when there are
files, so nothing delivered while the triggerer was down waits for the hourly run.

Imported when a DAG file is parsed: Airflow and the standard library only.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

POLL_SECONDS_ENV = "RENTAN_LANDING_POLL_SECONDS"
DEFAULT_POLL_SECONDS = 30.0


def poll_seconds() -> float:
    """How often the watcher looks ($RENTAN_LANDING_POLL_SECONDS, default 30 s)."""
    return float(os.environ.get(POLL_SECONDS_ENV) or DEFAULT_POLL_SECONDS)


def listing(landing: str) -> tuple[int, str]:
    """(number of files, a digest of their names, sizes and modification times) under the feed folders."""
    digest = hashlib.sha256()
    count = 0
    try:
        folders = sorted((e for e in os.scandir(landing) if e.is_dir()), key=lambda e: e.name)
    except OSError:  # not there (yet), or not readable: the ingest run says so
        return 0, ""
    for folder in folders:
        try:
            entries = sorted((e for e in os.scandir(folder.path) if e.is_file()), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            try:
                stat = entry.stat()
            except OSError:  # gone meanwhile
                continue
            count += 1
            digest.update(f"{folder.name}/{entry.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return count, digest.hexdigest()


class LandingTrigger(BaseEventTrigger):
    """Fires when the landing area's files changed and then stayed the same for one poll."""

    def __init__(self, landing: str, poll_seconds: float = DEFAULT_POLL_SECONDS):
        super().__init__()
        self.landing = landing
        self.poll_seconds = poll_seconds

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return f"{__name__}.LandingTrigger", {"landing": self.landing, "poll_seconds": self.poll_seconds}

    async def run(self) -> AsyncIterator[TriggerEvent]:
        reported = None
        previous = await asyncio.to_thread(listing, self.landing)
        while True:
            await asyncio.sleep(self.poll_seconds)
            current = await asyncio.to_thread(listing, self.landing)
            if current == previous and current != reported and current[0]:
                reported = current
                self.log.info("landing area %s changed (%d files): the ingest starts", self.landing, current[0])
                yield TriggerEvent({"landing": self.landing, "files": current[0]})
            previous = current
