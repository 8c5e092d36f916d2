"""`rentan backup` and `rentan restore` (issue 21): a warehouse lost mid-year carries on exactly.

A warehouse (its own embedded server) publishes the selection, January and February, is backed
up, and publishes March: that is the warehouse that never failed. Then its server is stopped and
its data directory deleted; the backup is restored onto a new server, March is delivered again
and published there. Both must publish the same ops and marts, row for row, and have made the
same replacement calls (the one pinned before the backup included).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from rentan.parameters import load_parameters
from rentan.warehouse import EmbeddedWarehouse, connect
from rentan.warehouse.backup import BackupError, restore
from rentan.warehouse.pseudonym import fingerprint
from rentan_dev import deliveries, synth
from tests.helpers_dbt import load_landing, publish_run
from tests.helpers_production import differences, published_rows

pytestmark = pytest.mark.production

RENTAN = str(Path(sys.executable).parent / "rentan")
SEED, PEOPLE, PARAMS = 5, 1000, {"quota": 50}  # a death in February: a replacement is called before the backup
CALLS = "select nik, first_call_order, first_run_id from history.replacement_calls order by nik"


def cli(args: list[str], url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [RENTAN, *args], env={**os.environ, "WAREHOUSE_URL": url}, capture_output=True, text=True, timeout=600
    )


def query(url: str, text: str) -> list[tuple]:
    with connect(url) as conn:
        return conn.execute(text).fetchall()


class Warehouse:
    """WAREHOUSE_URL for the in-process steps (helpers_dbt), set while the block runs."""

    def __init__(self, url: str):
        self.url = url

    def __enter__(self):
        self.previous, os.environ["WAREHOUSE_URL"] = os.environ.get("WAREHOUSE_URL"), self.url
        return self

    def __exit__(self, *exc):
        if self.previous is None:
            os.environ.pop("WAREHOUSE_URL", None)
        else:
            os.environ["WAREHOUSE_URL"] = self.previous


def deliver_and_publish(url: str, generated: Path, landing: Path, files, run_id: str) -> None:
    for name in files:
        deliveries.deliver(generated / name, landing, name)
    with Warehouse(url):
        load_landing(url, landing)
        publish_run(run_id, PARAMS)


@pytest.fixture(scope="module")
def lost_and_restored(tmp_path_factory):
    root = tmp_path_factory.mktemp("backup")
    generated, landing, backup_dir = root / "generated", root / "landing", root / "backup"
    synth.generate(generated, seed=SEED, people=PEOPLE, params=load_parameters(PARAMS))
    selection, january, february, march = (d.files for d in deliveries.schedule(generated, months=3))
    # servers outside pytest's temp folder: they run as another OS user (conftest.server_url)
    first = EmbeddedWarehouse(Path(tempfile.mkdtemp(prefix="rentan-backup-first-")))
    url = first.start()
    try:
        deliver_and_publish(url, generated, landing, selection + january + february, "manual__up_to_february")
        at_backup = {"published": published_rows(url), "calls": query(url, CALLS)}
        backed_up = cli(["backup", "--out", str(backup_dir)], url)
        assert backed_up.returncode == 0, backed_up.stdout + backed_up.stderr
        deliver_and_publish(url, generated, landing, march, "manual__march")  # the warehouse that never failed
        never_failed = {"published": published_rows(url), "calls": query(url, CALLS)}
    finally:
        first.stop()
    shutil.rmtree(first.home)  # the disk fails: nothing of the first warehouse is left
    second = EmbeddedWarehouse(Path(tempfile.mkdtemp(prefix="rentan-backup-second-")))
    url = second.start()
    try:
        restored = cli(["restore", str(backup_dir)], url)
        assert restored.returncode == 0, restored.stdout + restored.stderr
        after_restore = {"published": published_rows(url), "calls": query(url, CALLS)}
        with Warehouse(url):
            load_landing(url, landing)  # March's files: everything before is in the restored manifest
            publish_run("manual__march", PARAMS)
        carried_on = {"published": published_rows(url), "calls": query(url, CALLS)}
        yield {
            "root": root,
            "backup": backup_dir,
            "url": url,
            "outputs": (backed_up.stdout, restored.stdout),
            "at_backup": at_backup,
            "after_restore": after_restore,
            "never_failed": never_failed,
            "carried_on": carried_on,
        }
    finally:
        second.stop()
        shutil.rmtree(second.home, ignore_errors=True)


def test_the_restored_warehouse_publishes_what_one_that_never_failed_published(lost_and_restored):
    never_failed, carried_on = lost_and_restored["never_failed"], lost_and_restored["carried_on"]
    assert differences(never_failed["published"], carried_on["published"]) == []
    assert never_failed["calls"] == carried_on["calls"]
    # the call pinned before the backup is still the first run's, on both
    pinned = lost_and_restored["at_backup"]["calls"]
    assert pinned and set(pinned) <= set(carried_on["calls"])
    assert {run for _, _, run in pinned} == {"manual__up_to_february"}


def test_right_after_the_restore_readers_see_the_version_that_was_backed_up(lost_and_restored):
    at_backup, after_restore = lost_and_restored["at_backup"], lost_and_restored["after_restore"]
    assert differences(at_backup["published"], after_restore["published"]) == []
    assert at_backup["calls"] == after_restore["calls"]
    url = lost_and_restored["url"]
    assert query(url, "select version from meta.publish_log order by version") == [(1,), (2,)]
    assert query(url, "select published_version, tables from meta.restore_log") == [
        (1, len(json.loads((lost_and_restored["backup"] / "backup.json").read_text())["tables"]))
    ]
    # readers' grants came back with the schemas
    assert query(url, "select has_table_privilege('rentan_bi', 'marts.budget_monthly', 'select')") == [(True,)]
    assert query(url, "select has_table_privilege('rentan_bi', 'ops.enrollment', 'select')") == [(False,)]


def test_the_backup_holds_no_pseudonym_key_and_says_which_one_a_restore_needs(lost_and_restored):
    backup_dir = lost_and_restored["backup"]
    manifest = json.loads((backup_dir / "backup.json").read_text())
    key = os.environ["RENTAN_PSEUDONYM_KEY"].encode()
    assert manifest["pseudonym_key"] == fingerprint(key)
    for path in backup_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert key not in data, path
    assert "secret.pseudonym_key" not in manifest["tables"]
    # NIKs and names: its owner's only, like the warehouse's files
    assert {oct(p.stat().st_mode & 0o777) for p in [backup_dir, *backup_dir.rglob("*")]} <= {"0o700", "0o600"}
    assert {"history", "audit", "meta", "raw", "ops", "marts"} <= set(manifest["schemas"]["kept"])
    assert {"staging", "intermediate", "secret"} <= set(manifest["schemas"]["structure_only"])
    backed_up, restored = lost_and_restored["outputs"]
    assert f"fingerprint {fingerprint(key)}" in backed_up and "published version 1" in restored


def test_a_restore_refuses_a_warehouse_with_a_history_a_wrong_key_or_a_damaged_backup(lost_and_restored, tmp_path):
    backup_dir, url = lost_and_restored["backup"], lost_and_restored["url"]
    key = fingerprint(os.environ["RENTAN_PSEUDONYM_KEY"].encode())
    with pytest.raises(BackupError, match="is not empty"):
        restore(url, backup_dir, key)
    with pytest.raises(BackupError, match="pseudonym key of fingerprint"):
        restore(url, backup_dir, "0" * 12)
    damaged = tmp_path / "damaged"
    shutil.copytree(backup_dir, damaged)
    victim = next(p for p in sorted((damaged / "dump").iterdir()) if p.suffix == ".gz")
    victim.write_bytes(victim.read_bytes()[:-10])
    with pytest.raises(BackupError, match=f"damaged: dump/{victim.name}"):
        restore(url, damaged, key)
    # the refused restores changed nothing
    assert query(url, "select count(*) from meta.restore_log") == [(1,)]
