"""The landing area: one folder per feed; which files are new, which were loaded before."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path

import psycopg

from rentan.ingest.contracts import CONTRACTS

CHUNK_BYTES = 1 << 20


@dataclass(frozen=True)
class LandingFile:
    feed: str
    path: str
    name: str  # feed/file, as shown to people and stored in the manifest
    checksum: str
    size: int

    def to_dict(self) -> dict:
        return asdict(self)


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def scan(landing: Path) -> list[LandingFile]:
    """Every CSV file in a feed folder of the landing area, in a stable order."""
    landing = Path(landing)
    if not landing.is_dir():
        raise FileNotFoundError(f"landing area {landing} does not exist")
    files = []
    for feed in CONTRACTS:
        folder = landing / feed
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.suffix.lower() == ".csv":
                files.append(LandingFile(feed, str(path.resolve()), f"{feed}/{path.name}",
                                         file_checksum(path), path.stat().st_size))
    return files


def split_new_and_loaded(conn: psycopg.Connection, files: list[LandingFile]) -> tuple[list, list]:
    """(new files, files whose exact content was loaded before and is skipped).

    A rejected file is tried again on every run until it is fixed or removed.
    """
    loaded = {
        (feed, checksum)
        for feed, checksum in conn.execute(
            "select feed, checksum from meta.load_manifest where status in ('LOADED', 'REPLACED', 'PURGED')")
    }
    new = [f for f in files if (f.feed, f.checksum) not in loaded]
    skipped = [f for f in files if (f.feed, f.checksum) in loaded]
    return new, skipped
