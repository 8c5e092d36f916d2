"""The landing area: one folder per feed; which files are complete, new, or loaded before.

A file is picked up only when complete: when the provider sends a sidecar, it decides
(`<file>.sha256` whose checksum matches, or `<file>.done`); otherwise the file must not
change, in size or modification time, for `RENTAN_LANDING_SETTLE_SECONDS` (a copy in
progress keeps changing). The loader also rejects a file whose last line has no line end.

One entry never stops the others: a file this process cannot read is still listed, with the
problem, and the loader rejects it alone (a manifest row naming file and cause). Every other
entry that is not loaded is named with the reason (`survey`): folders, files that are not
`.csv`, names with a space at either end, FIFOs, symbolic links that lead nowhere. A symbolic
link is judged by its own name: its snapshot date is the link's, not its target's.

A file's SHA-256 (what re-deliveries are told apart by) comes from rentan.ingest.checksums: a
file unchanged since it was last hashed is not read again.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import psycopg

from rentan.ingest.checksums import ChecksumCache
from rentan.ingest.contracts import CONTRACTS

log = logging.getLogger(__name__)

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
    problem: str | None = None  # why it cannot be read: the loader rejects it with this

    def to_dict(self) -> dict:
        return asdict(self)


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


def _latest_per_snapshot(candidates: list[tuple[str, Path]], ignored: list | None = None) -> list[tuple[str, Path]]:
    """Of several files for one feed and snapshot date, the last modified (the provider's latest).

    The others are added to `ignored`, with the reason.
    """
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
            if ignored is not None:
                ignored.append(
                    Ignored(feed, f"{feed}/{older.name}", f"superseded by {newer.name}, a later file of the same date")
                )
            path = newer
        chosen[key] = (feed, path)
    return sorted(chosen.values(), key=lambda c: (list(CONTRACTS).index(c[0]), c[1].name))


def _sidecar_verdict(path: Path, checksum: str) -> bool | None:
    """True or False when a sidecar says whether the file is complete; None without one."""
    announced = path.with_name(path.name + ".sha256")
    if announced.is_file():
        try:
            words = announced.read_text(errors="replace").split()
        except OSError as err:
            log.warning("%s: cannot read %s (%s); left for a later run", path, announced.name, err.strerror)
            return False
        if words and words[0].lower() == checksum:
            return True
        log.warning(
            "%s: its checksum does not match %s (incomplete or damaged); left for a later run", path, announced.name
        )
        return False
    return True if path.with_name(path.name + ".done").is_file() else None


SIDECARS = (".sha256", ".done")


@dataclass(frozen=True)
class Ignored:
    """An entry of the landing area that is not loaded, and why (named in the run's summary)."""

    feed: str | None  # the feed folder it is in; None at the top of the landing area
    name: str
    reason: str


def survey(landing: Path) -> tuple[list[tuple[str, Path]], list[Ignored]]:
    """The candidate CSV files of every feed folder, and every other entry with the reason it is not loaded."""
    candidates, ignored = [], []
    feeds = {feed.lower(): feed for feed in CONTRACTS}
    for entry in sorted(landing.iterdir()):
        if entry.name in CONTRACTS and entry.is_dir():
            continue
        if entry.name.lower() in feeds and entry.is_dir():
            reason = f"not a feed folder: feed folders are lower case ({feeds[entry.name.lower()]}/)"
        elif entry.is_dir():
            reason = f"not a feed folder (the feeds are {', '.join(CONTRACTS)})"
        else:
            reason = "not in a feed folder: put each file in its feed's folder"
        ignored.append(Ignored(None, entry.name + ("/" if entry.is_dir() else ""), reason))
    for feed in CONTRACTS:
        folder = landing / feed
        if not folder.is_dir():
            continue
        entries = sorted(folder.iterdir())
        csv_names = {p.name for p in entries if p.name.lower().endswith(".csv")}
        for path in entries:
            reason = _not_a_candidate(path, csv_names)
            if reason is None:
                candidates.append((feed, path))
            elif reason:
                ignored.append(Ignored(feed, f"{feed}/{path.name}", reason))
    return candidates, ignored


def _not_a_candidate(path: Path, csv_names: set[str]) -> str | None:
    """Why an entry of a feed folder is not a file to load; None for a candidate, '' for a sidecar."""
    name = path.name
    if any(name.endswith(suffix) and name[: -len(suffix)] in csv_names for suffix in SIDECARS):
        return ""  # a sidecar of a file next to it: part of that file
    if name != name.strip():
        return "its name starts or ends with a space: rename it"
    if path.is_symlink() and not path.exists():
        return "a symbolic link that leads nowhere (a loop, or its target is missing)"
    if path.is_dir():
        return "a folder: sub-folders are not read"
    if not path.is_file():
        return "not a regular file (a FIFO, socket or device): deliver the file itself"
    if not name.lower().endswith(".csv"):
        return "not a .csv file (compressed or other files are not read: deliver the CSV itself)"
    return None


def scan(landing: Path, settle_seconds: float | None = None) -> list[LandingFile]:
    """Every complete CSV file in a feed folder of the landing area, in a stable order (scan_all without the rest)."""
    return scan_all(landing, settle_seconds)[0]


def scan_all(
    landing: Path, settle_seconds: float | None = None, checksums: ChecksumCache | None = None
) -> tuple[list[LandingFile], list[Ignored]]:
    """Every complete CSV file in a feed folder of the landing area, in a stable order, and what is not loaded.

    Files modified within the last `settle_seconds` are looked at again once that much
    time has passed since they were modified (one wait for the whole scan); a file that
    changed meanwhile is still arriving and is left for a later run (and named so). A file
    that cannot be read is returned with its `problem`, for the loader to reject alone.
    A file's checksum comes from `checksums` when it is unchanged since it was recorded
    there (rentan.ingest.checksums); without a cache every file is hashed. A sidecar is
    compared with that checksum: a recorded checksum is the file's as surely as one computed
    now, and the loader hashes the bytes it loads again.
    """
    landing = Path(landing)
    if not landing.is_dir():
        raise FileNotFoundError(f"landing area {landing} does not exist")
    settle = settle_seconds_setting() if settle_seconds is None else settle_seconds
    candidates, ignored = survey(landing)
    for entry in ignored:
        log.warning("%s: not loaded: %s", entry.name, entry.reason)
    checksums = ChecksumCache() if checksums is None else checksums
    found, files = [], []
    for feed, path in _latest_per_snapshot(candidates, ignored):
        stat = path.stat()
        try:
            checksum = checksums.checksum(path, stat)
        except OSError as err:
            files.append(_unreadable(feed, path, stat, err))
            continue
        found.append((feed, path, stat, checksum, _sidecar_verdict(path, checksum)))
    young = [
        stat.st_mtime for _, _, stat, _, verdict in found if verdict is None and time.time() - stat.st_mtime < settle
    ]
    if young:
        time.sleep(min(settle, max(0.0, settle - (time.time() - max(young)))))
    for feed, path, stat, checksum, verdict in found:
        if verdict is None:
            now = path.stat()
            verdict = (now.st_size, now.st_mtime_ns) == (stat.st_size, stat.st_mtime_ns)
            if not verdict:
                log.warning("%s: still being written (it changed in the last %g s); left for a later run", path, settle)
                ignored.append(Ignored(feed, f"{feed}/{path.name}", "still being written: left for a later run"))
        elif not verdict:
            ignored.append(
                Ignored(feed, f"{feed}/{path.name}", "its .sha256 sidecar does not match: left for a later run")
            )
        if verdict:
            files.append(_landing_file(feed, path, stat, checksum))
    files.sort(key=lambda f: (list(CONTRACTS).index(f.feed), f.name))
    return files, ignored


def _landing_file(feed: str, path: Path, stat, checksum: str, problem: str | None = None) -> LandingFile:
    """The file as the loader sees it; its snapshot date from its own name (a symbolic link's, not its target's)."""
    snapshot = CONTRACTS[feed].snapshot_date(path.name)
    return LandingFile(
        feed,
        str(path.resolve()),
        f"{feed}/{path.name}",
        checksum,
        stat.st_size,
        snapshot.isoformat() if snapshot else None,
        problem,
    )


def _unreadable(feed: str, path: Path, stat, err: OSError) -> LandingFile:
    owner = _owner(stat.st_uid)
    problem = (
        f"cannot read it: {err.strerror} (owned by {owner}, mode {stat.st_mode & 0o777:o}): "
        "give the loading user read access; it is tried again on the next run"
    )
    log.warning("%s/%s: %s", feed, path.name, problem)
    return _landing_file(feed, path, stat, "", problem)


def _owner(uid: int) -> str:
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (KeyError, ImportError):
        return f"uid {uid}"


def unreadable(landing: Path) -> list[str]:
    """One sentence per candidate file this process cannot open and read (for `rentan check`)."""
    problems = []
    for feed, path in survey(Path(landing))[0]:
        try:
            with open(path, "rb") as f:
                f.read(1)
        except OSError as err:
            problems.append(f"{feed}/{path.name}: cannot read it: {err.strerror}: give this user read access")
    return problems


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
