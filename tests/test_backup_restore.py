"""`rentan backup` and `rentan restore` on a small warehouse: what the backup holds, and what a restore refuses.

The year-long proof (backed up mid-year by the nightly DAG, the warehouse destroyed, restored on
a new server, the next month delivered, the same marts and calls) is the last test of
tests/test_production_year.py; this module checks the rest quickly, through the CLI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from rentan.ingest.contracts import RAW_TABLES
from rentan.warehouse import connect
from rentan.warehouse.backup import BackupError, restore
from rentan.warehouse.pseudonym import fingerprint, install_key

RENTAN = str(Path(sys.executable).parent / "rentan")
KEY = os.environ["RENTAN_PSEUDONYM_KEY"].encode()


def cli(args: list[str], url: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [RENTAN, *args], env={**os.environ, "WAREHOUSE_URL": url, **env}, capture_output=True, text=True, timeout=600
    )


@pytest.fixture
def backed_up(fresh_url, tmp_path):
    """A warehouse with a delivery, a pinned call, a published version and the key installed; its backup."""
    with connect(fresh_url) as conn:
        install_key(conn, KEY)
        conn.execute(
            """insert into meta.load_manifest (feed, file_name, file_path, checksum, status, started_at)
               values ('dtsen', 'dtsen/dtsen_20251201.csv', '/landing/dtsen/dtsen_20251201.csv', 'c0ffee',
                       'LOADED', now())"""
        )
        conn.execute(
            """insert into history.eras (era, kind, reason, published_version, run_id)
               values (1, 'SELECTION', 'the first selection', 1, 'r1')"""
        )
        conn.execute(
            """insert into history.calls (era, call_order, nik, waitlist_rank, priority_rank, slot_key, slot_source,
                                          replaces_nik, freed_month, freed_rank, slot_start_month, slot_cost_idr,
                                          published_version, run_id)
               values (1, 1, %s, 1, 51, 'EXIT:3275014101900099', 'EXIT', '3275014101900099', '2026-01-01', 1,
                       '2026-02-01', 184800, 1, 'r1')""",
            ("3275014101900001",),
        )
        conn.execute(
            "insert into meta.publish_log (run_id, relations, inputs) values ('r1', '{}', %s::jsonb)",
            (json.dumps({"key": fingerprint(KEY), "batches": {"dtsen": [1]}}),),
        )
    out = tmp_path / "backup"
    done = cli(["backup", "--out", str(out)], fresh_url)
    assert done.returncode == 0, done.stdout + done.stderr
    return fresh_url, out, done.stdout


def test_a_backup_names_the_key_it_needs_and_never_holds_it(backed_up):
    _, out, said = backed_up
    manifest = json.loads((out / "backup.json").read_text())
    assert manifest["pseudonym_key"] == fingerprint(KEY) and f"fingerprint {fingerprint(KEY)}" in said
    assert manifest["published"]["version"] == 1 and "published version 1" in said
    assert manifest["tables"]["history.calls"] == 1 and manifest["tables"]["meta.load_manifest"] == 1
    assert "secret.pseudonym_key" not in manifest["tables"]
    assert {"history", "audit", "meta", "raw", "ops", "marts"} <= set(manifest["schemas"]["kept"])
    assert {"staging", "intermediate", "secret"} <= set(manifest["schemas"]["structure_only"])
    k_ipad = bytes(b ^ 0x36 for b in KEY.ljust(64, b"\0"))
    for path in out.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert KEY not in data and k_ipad not in data, path
    # NIKs and names: its owner's only, like the warehouse's files
    assert {oct(p.stat().st_mode & 0o777) for p in [out, *out.rglob("*")]} <= {"0o700", "0o600"}
    with connect(backed_up[0]) as conn:
        assert conn.execute("select tables from meta.backup_log").fetchall() == [(len(manifest["tables"]),)]


def test_a_restore_onto_a_new_database_brings_every_row_back(backed_up, new_database):
    url, out, _ = backed_up
    done = cli(["restore", str(out)], new_database)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "published version 1" in done.stdout and "full build" in done.stdout
    with connect(new_database) as conn:
        assert conn.execute("select nik, slot_key, run_id from history.calls").fetchall() == [
            ("3275014101900001", "EXIT:3275014101900099", "r1")
        ]
        # the ledger stays append-only: the restored tables keep the owner's revoked rights
        assert conn.execute(
            "select has_table_privilege('rentan_etl', 'history.calls', 'update, delete, truncate')"
        ).fetchone() == (False,)
        assert conn.execute("select count(*) from secret.pseudonym_key").fetchone() == (
            0,
        )  # the next build installs it
        assert conn.execute("select count(*) from meta.build_state").fetchone() == (0,)  # so it is a full one
        assert conn.execute("select published_version from meta.restore_log").fetchall() == [(1,)]
        assert conn.execute("select has_schema_privilege('rentan_bi', 'marts', 'usage')").fetchone() == (True,)
        assert conn.execute("select has_schema_privilege('rentan_bi', 'ops', 'usage')").fetchone() == (False,)


def test_a_restore_refuses_a_warehouse_with_a_history_another_key_or_a_damaged_backup(
    backed_up, new_database, tmp_path
):
    url, out, _ = backed_up
    key = fingerprint(KEY)
    with pytest.raises(BackupError, match="is not empty"):
        restore(url, out, key, RAW_TABLES)
    with pytest.raises(BackupError, match=f"pseudonym key of fingerprint {key} and the configured one is 0+"):
        restore(new_database, out, "0" * 12, RAW_TABLES)
    refused = cli(["restore", str(out)], new_database, RENTAN_PSEUDONYM_KEY="another key")
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1 and "RENTAN_PSEUDONYM_KEY" in refused.stderr
    damaged = tmp_path / "damaged"
    shutil.copytree(out, damaged)
    victim = next(p for p in sorted((damaged / "dump").iterdir()) if p.suffix == ".gz")
    victim.write_bytes(victim.read_bytes()[:-10])
    with pytest.raises(BackupError, match=f"damaged: dump/{victim.name}"):
        restore(new_database, damaged, key, RAW_TABLES)
    with pytest.raises(BackupError, match="not a rentan backup"):
        restore(new_database, tmp_path, key, RAW_TABLES)
    with psycopg.connect(new_database) as conn:  # the refused restores changed nothing
        assert conn.execute("select count(*) from pg_namespace where nspname = 'history'").fetchone() == (0,)
