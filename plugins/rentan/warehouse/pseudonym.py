"""The BI pseudonym: person_key = HMAC-SHA256(key, NIK), with the key kept outside the repo.

The key comes from RENTAN_PSEUDONYM_KEY, or the file named by RENTAN_PSEUDONYM_KEY_FILE,
or the git-ignored `.secrets/pseudonym.key` that `rentan demo` creates. Each transform
run installs it in `secret.pseudonym_key` (readable by rentan_etl only) as HMAC's padded
blocks, and dbt's `person_key()` macro computes the HMAC in SQL. Changing the key
changes every person_key on the next run: that is the rotation (docs/security.md).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

import psycopg

from rentan.paths import REPO_ROOT

KEY_ENV = "RENTAN_PSEUDONYM_KEY"
KEY_FILE_ENV = "RENTAN_PSEUDONYM_KEY_FILE"
DEMO_KEY_FILE = REPO_ROOT / ".secrets" / "pseudonym.key"
BLOCK = 64  # SHA-256's block size in bytes


class MissingKey(RuntimeError):
    """No pseudonym key is configured: the BI marts cannot be built."""


def load_key() -> bytes:
    if os.environ.get(KEY_ENV):
        return os.environ[KEY_ENV].encode()
    path = Path(os.environ.get(KEY_FILE_ENV) or DEMO_KEY_FILE)
    if path.is_file():
        return path.read_text().strip().encode()
    raise MissingKey(f"no pseudonym key: set {KEY_ENV} (or {KEY_FILE_ENV}), or run `rentan demo` for a local one")


def create_demo_key() -> Path:
    """A random local key for the demo, created once, in a git-ignored file only the owner reads."""
    if not DEMO_KEY_FILE.exists():
        DEMO_KEY_FILE.parent.mkdir(mode=0o700, exist_ok=True)
        DEMO_KEY_FILE.write_text(secrets.token_urlsafe(32))
        DEMO_KEY_FILE.chmod(0o600)
    return DEMO_KEY_FILE


def padded_blocks(key: bytes) -> tuple[bytes, bytes]:
    """HMAC's inner and outer key blocks (RFC 2104)."""
    if len(key) > BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def fingerprint(key: bytes) -> str:
    """Names the key without revealing it: a changed fingerprint is a rotation."""
    return hashlib.sha256(b"rentan-fingerprint:" + key).hexdigest()[:12]


def install_key(conn: psycopg.Connection, key: bytes | None = None) -> str:
    """Put the key's padded blocks where dbt reads them; return its fingerprint (not secret)."""
    key = key if key is not None else load_key()
    k_ipad, k_opad = padded_blocks(key)
    key_fingerprint = fingerprint(key)
    with conn.transaction():
        conn.execute(
            """insert into secret.pseudonym_key (k_ipad, k_opad, key_fingerprint) values (%s, %s, %s)
               on conflict (one_row) do update set k_ipad = excluded.k_ipad, k_opad = excluded.k_opad,
                   key_fingerprint = excluded.key_fingerprint, installed_at = clock_timestamp()""",
            (k_ipad, k_opad, key_fingerprint),
        )
    return key_fingerprint
