"""Superset's chart-data cache, keyed by the published version of the marts it reads.

The marts change only when a run publishes, and every chart of a dashboard must show the same
version (its "Versi data" header says which). So a cached result is valid exactly as long as
the published version it was computed from: each key is prefixed with that version (with its
build time), read from marts.data_version through the BI login (RENTAN_BI_URL) at most once
per VERSION_TTL_SECONDS per process. After a publish, every older entry is unreachable within
that many seconds, for every chart at once. When the version cannot be read, nothing is cached.
Files under the Superset home, so gunicorn's worker processes share them.
"""

from __future__ import annotations

import os
import threading
import time

from flask_caching.backends.filesystemcache import FileSystemCache

VERSION_TTL_SECONDS = 10
VERSION_SQL = "select published_version || '@' || built_at from marts.data_version"


class PublishedVersionCache(FileSystemCache):
    """FileSystemCache whose keys carry the published version (None when it cannot be read)."""

    def __init__(self, *args, bi_url: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.bi_url = bi_url or os.environ.get("RENTAN_BI_URL")
        self._lock = threading.Lock()
        self._version: str | None = None
        self._read_at = float("-inf")

    def published_version(self) -> str | None:
        with self._lock:
            if time.monotonic() - self._read_at >= VERSION_TTL_SECONDS:
                self._version = self._read_version()
                self._read_at = time.monotonic()
            return self._version

    def _read_version(self) -> str | None:
        if not self.bi_url:
            return None
        import psycopg2

        try:
            conn = psycopg2.connect(self.bi_url, connect_timeout=5)
        except psycopg2.Error:
            return None
        try:
            with conn.cursor() as cursor:
                cursor.execute(VERSION_SQL)
                row = cursor.fetchone()
        except psycopg2.Error:
            return None
        finally:
            conn.close()
        return row[0] if row else None

    def _get_filename(self, key) -> str:
        # Every file name carries the version; the cache's own file count does not.
        if key == self._fs_count_file:
            return super()._get_filename(key)
        return super()._get_filename(f"{self.published_version()}:{key}")

    def _cacheable(self, key) -> bool:
        return key == self._fs_count_file or self.published_version() is not None

    def get(self, key):
        return super().get(key) if self._cacheable(key) else None

    def has(self, key):
        return self._cacheable(key) and super().has(key)

    def set(self, key, value, timeout=None, mgmt_element=False):
        return self._cacheable(key) and super().set(key, value, timeout, mgmt_element=mgmt_element)

    def add(self, key, value, timeout=None):
        return self._cacheable(key) and super().add(key, value, timeout)
