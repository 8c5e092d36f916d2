"""The landing area: one folder per feed; which files are complete, new, or loaded before.

A file is picked up only when complete: when the provider sends a sidecar, it decides
(`<file>.sha256` whose checksum matches, or `<file>.done`); otherwise the file must not
change, in size or modification time, for `RENTAN_LANDING_SETTLE_SECONDS` (a copy in
progress keeps changing). The loader also rejects a file whose last line has no line end.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import psycopg

from rentan.ingest.contracts import CONTRACTS

log = logging.getLogger(__name__)

CHUNK_BYTES = 1 << 20
SETTLE_SECONDS_VARIABLE = "RENTAN_LANDING_SETTLE_SECONDS"
DEFAULT_SETTLE_SECONDS = 10.0


@dataclass(frozen=True)
class LandingFile:
    feed: str
    path: str
    name: str  # feed/file, as shown to people and stored in the manifest
    checksum: str
    size: int
    snapshot_date: str | None = None  # ISO date from the file name; None when the name has none

    def to_dict(self) -> dict:
        return asdict(self)


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def settle_seconds_setting() -> float:
    """How long a file without a sidecar must stay unchanged before it is loaded."""
    text = os.environ.get(SETTLE_SECONDS_VARIABLE)
    if text is None:
        return DEFAULT_SETTLE_SECONDS
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 3600:
        raise ValueError(f"{SETTLE_SECONDS_VARIABLE} must be a number of seconds from 0 to 3600, not {text!r}")
    return seconds


def _latest_per_snapshot(candidates: list[tuple[str, Path]]) -> list[tuple[str, Path]]:
    """Of several files for one feed and snapshot date, the last modified (the provider's latest)."""
    chosen: dict[tuple, tuple[str, Path]] = {}
    for feed, path in candidates:
        snapshot = CONTRACTS[feed].snapshot_date(path.name)
        key = (feed, snapshot) if snapshot else (feed, path.name)
        if key in chosen:
            older, newer = sorted([chosen[key][1], path], key=lambda p: (p.stat().st_mtime_ns, p.name))
            log.warning(
                "%s/%s: superseded by %s/%s, a later file for the same snapshot date; not loaded",
                feed,
                older.name,
                feed,
                newer.name,
            )
            path = newer
        chosen[key] = (feed, path)
    return sorted(chosen.values(), key=lambda c: (list(CONTRACTS).index(c[0]), c[1].name))


def _sidecar_verdict(path: Path, checksum: str) -> bool | None:
    """True or False when a sidecar says whether the file is complete; None without one."""
    announced = path.with_name(path.name + ".sha256")
    if announced.is_file():
        words = announced.read_text(errors="replace").split()
        if words and words[0].lower() == checksum:
            return True
        log.warning(
            "%s: its checksum does not match %s (incomplete or damaged); left for a later run", path, announced.name
        )
        return False
    return True if path.with_name(path.name + ".done").is_file() else None


def scan(landing: Path, settle_seconds: float | None = None) -> list[LandingFile]:
    """Every complete CSV file in a feed folder of the landing area, in a stable order.

    Files modified within the last `settle_seconds` are looked at again once that much
    time has passed since they were modified (one wait for the whole scan); a file that
    changed meanwhile is still arriving and is left for a later run.
    """
    landing = Path(landing)
    if not landing.is_dir():
        raise FileNotFoundError(f"landing area {landing} does not exist")
    settle = settle_seconds_setting() if settle_seconds is None else settle_seconds
    candidates = []
    for feed in CONTRACTS:
        folder = landing / feed
        if folder.is_dir():
            candidates += [(feed, p) for p in sorted(folder.iterdir()) if p.is_file() and p.suffix.lower() == ".csv"]
    found = []
    for feed, path in _latest_per_snapshot(candidates):
        stat = path.stat()
        checksum = file_checksum(path)
        found.append((feed, path, stat, checksum, _sidecar_verdict(path, checksum)))
    young = [
        stat.st_mtime for _, _, stat, _, verdict in found if verdict is None and time.time() - stat.st_mtime < settle
    ]
    if young:
        time.sleep(min(settle, max(0.0, settle - (time.time() - max(young)))))
    files = []
    for feed, path, stat, checksum, verdict in found:
        if verdict is None:
            now = path.stat()
            verdict = (now.st_size, now.st_mtime_ns) == (stat.st_size, stat.st_mtime_ns)
            if not verdict:
                log.warning("%s: still being written (it changed in the last %g s); left for a later run", path, settle)
        if verdict:
            snapshot = CONTRACTS[feed].snapshot_date(path.name)
            files.append(
                LandingFile(
                    feed,
                    str(path.resolve()),
                    f"{feed}/{path.name}",
                    checksum,
                    stat.st_size,
                    snapshot.isoformat() if snapshot else None,
                )
            )
    return files


def split_new_and_loaded(conn: psycopg.Connection, files: list[LandingFile]) -> tuple[list, list]:
    """(files to load, files skipped because their content is the delivery in force).

    The latest delivery of a snapshot date is in force, whatever was loaded before: a file
    is skipped only when its checksum is that of the last batch loaded for its feed and
    snapshot date (LOADED, or PURGED since). A file that brings back an earlier, replaced
    content is loaded again and replaces the current batch; the same content under another
    snapshot date is another snapshot. A rejected file is tried again on every run until it
    is fixed or removed.
    """
    in_force = {
        (feed, snapshot.isoformat(), checksum)
        for feed, snapshot, checksum in conn.execute(
            """select distinct on (feed, snapshot_date) feed, snapshot_date, checksum
               from meta.load_manifest
               where status <> 'REJECTED' and snapshot_date is not null
               order by feed, snapshot_date, batch_id desc"""
        )
    }
    new = [f for f in files if (f.feed, f.snapshot_date, f.checksum) not in in_force]
    skipped = [f for f in files if (f.feed, f.snapshot_date, f.checksum) in in_force]
    return new, skipped
