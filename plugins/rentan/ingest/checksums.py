"""The landing files' SHA-256, and the cache that spares hashing a file that has not changed.

A file is skipped as loaded before only when its checksum is that of the batch in force, so
every scan needs every file's checksum; hashing the whole landing area on every run (4.8 GB
at 2.6 M people, about 6 s) is what this cache saves. A file reuses the checksum recorded in
`meta.landing_checksums` when its path, size, modification time, change time (nanoseconds)
and inode are all those it had when it was hashed; any difference hashes it again.

The change time (ctime) is what makes this safe against more than an accident: the kernel
sets it on every write, rename, chmod or `utime`, and no program can set it back (short of
setting the system clock back), so a content changed with its size and modification time
forged back (`touch -d`, `cp --preserve`, `os.utime`) is hashed again too. What the cache
cannot see is a change that does not pass through the file system's metadata: bytes changed
beneath it (a disk's or a network file system's fault, a tool writing blocks), a file system
whose ctime is not kept, or the clock set back while changing a file. `rentan run --recheck`
(the ingest DAG's `recheck` param) hashes every file whatever the cache says.

A checksum is recorded only when the file's times are RACY_NS older than the scan ("racy
git"): timestamps have a coarse grain (a kernel tick, a second or two on some file systems),
and a write in the same tick as the recorded times would leave them unchanged. Nothing is
written into the landing area: the bench hard-links a user's landing area and must not.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

CHUNK_BYTES = 1 << 20
RACY_NS = 2_000_000_000


def file_checksum(path: Path) -> str:
    """The SHA-256 of the file's bytes, read now."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class Signature:
    """What must be unchanged for a recorded checksum to stand for the file's bytes."""

    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int

    @classmethod
    def of(cls, stat) -> Signature:
        return cls(stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


class ChecksumCache:
    """The checksums recorded by earlier scans, and those this scan computed (to record).

    Made right before a scan: its time is the scan's for the racy-timestamp rule. Without
    `recorded` every file is hashed.
    """

    def __init__(self, recorded: dict[str, tuple[Signature, str]] | None = None):
        self.recorded = recorded or {}
        self.computed: dict[str, tuple[Signature, str]] = {}
        self.reused = self.hashed = 0
        self._started_ns = time.time_ns()

    def checksum(self, path: Path, stat) -> str:
        """The file's SHA-256: the recorded one when the file is unchanged since, else hashed now."""
        key, signature = str(path.resolve()), Signature.of(stat)
        recorded = self.recorded.get(key)
        if recorded is not None and recorded[0] == signature:
            self.reused += 1
            return recorded[1]
        checksum = file_checksum(path)
        self.hashed += 1
        if max(stat.st_mtime_ns, stat.st_ctime_ns) < self._started_ns - RACY_NS:
            self.computed[key] = (signature, checksum)
        return checksum


def recorded(conn: psycopg.Connection, recheck: bool = False) -> ChecksumCache:
    """A cache of the checksums recorded in the warehouse (none read with `recheck`)."""
    if recheck:
        return ChecksumCache()
    rows = conn.execute("select path, size, mtime_ns, ctime_ns, inode, checksum from meta.landing_checksums")
    return ChecksumCache(
        {path: (Signature(size, m, c, int(inode)), checksum) for path, size, m, c, inode, checksum in rows}
    )


def record(conn: psycopg.Connection, cache: ChecksumCache, landing: Path, taken: list[str]) -> None:
    """Record the checksums this scan computed of the files it took (`taken`: their paths).

    Only taken files: a file still being written, or not matching its sidecar, is hashed again
    next time. The rows of files under `landing` that are gone are dropped.
    """
    rows = [(path, *_row(cache.computed[path])) for path in taken if path in cache.computed]
    with conn.transaction():
        with conn.cursor() as cur:
            cur.executemany(
                """insert into meta.landing_checksums (path, size, mtime_ns, ctime_ns, inode, checksum)
                   values (%s, %s, %s, %s, %s, %s)
                   on conflict (path) do update set size = excluded.size, mtime_ns = excluded.mtime_ns,
                       ctime_ns = excluded.ctime_ns, inode = excluded.inode, checksum = excluded.checksum,
                       hashed_at = clock_timestamp()""",
                rows,
            )
        conn.execute(
            "delete from meta.landing_checksums where starts_with(path, %s) and path <> all(%s)",
            (str(Path(landing).resolve()) + "/", taken),
        )


def _row(entry: tuple[Signature, str]) -> tuple:
    signature, checksum = entry
    return (signature.size, signature.mtime_ns, signature.ctime_ns, signature.inode, checksum)


def forget(conn: psycopg.Connection, path: str) -> None:
    """Hash the file again on the next scan (its load was rejected: perhaps its bytes are not the recorded ones)."""
    conn.execute("delete from meta.landing_checksums where path = %s", (path,))
