"""The landing scan's checksum cache (issue 24), against the real warehouse.

A second scan of an unchanged area reads no file; any change a file's metadata shows (a
rewrite, a size and modification time forged back) hashes it again and a new content loads
as a re-delivery; what the cache cannot see (bytes changed beneath the file system) is
caught by `recheck`; and a stale recorded checksum can never load other bytes under it.
"""

from __future__ import annotations

import hashlib
import os
import time

import pytest

from rentan.ingest import checksums, steps
from rentan.ingest.loader import FileRejected
from rentan.pipeline.runner import run_dag
from tests.factories import DTSEN_HEADER, DTSEN_ROW, PAYMENT_HEADER, record_as_if_unchanged, write

DTSEN = "dtsen/dtsen_20251201.csv"
CORRECTED_ROW = DTSEN_ROW.replace("K1", "K2")  # the same size: only the content tells them apart


@pytest.fixture
def warehouse(fresh_url, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_URL", fresh_url)
    return fresh_url


def settle_past_racy_window() -> None:
    """Checksums of files changed within RACY_NS of the scan are not recorded: wait that out."""
    time.sleep(checksums.RACY_NS / 1e9 + 0.1)


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def recorded(conn) -> dict[str, str]:
    return dict(conn.execute("select path, checksum from meta.landing_checksums").fetchall())


def found(result: dict, kind: str) -> dict[str, str]:
    return {f["name"]: f["checksum"] for f in result[kind]}


def test_a_second_scan_of_an_unchanged_area_reads_no_file_and_uses_the_recorded_checksums(
    warehouse, conn, landing, monkeypatch
):
    write(landing, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER, DTSEN_ROW])
    write(landing, "bpjs_iuran", "bpjs_iuran_202601.csv", [PAYMENT_HEADER])
    dtsen, payments = landing / DTSEN, landing / "bpjs_iuran" / "bpjs_iuran_202601.csv"
    settle_past_racy_window()
    first = steps.discover(str(landing))
    truth = {DTSEN: sha256(dtsen), "bpjs_iuran/bpjs_iuran_202601.csv": sha256(payments)}
    assert found(first, "new") == truth
    assert recorded(conn) == {str(dtsen.resolve()): truth[DTSEN], str(payments.resolve()): sha256(payments)}

    with monkeypatch.context() as no_reading:  # the second scan opens no file to hash it
        no_reading.setattr(checksums, "file_checksum", lambda path: pytest.fail(f"hashed {path} again"))
        assert found(steps.discover(str(landing)), "new") == truth

    # The checksum is the recorded row's: put another one there and the scan says it ...
    conn.execute("update meta.landing_checksums set checksum = %s where path = %s", ("f" * 64, str(dtsen.resolve())))
    assert found(steps.discover(str(landing)), "new")[DTSEN] == "f" * 64
    # ... until a recheck hashes every file, and records what it found
    assert found(steps.discover(str(landing), recheck=True), "new") == truth
    assert recorded(conn)[str(dtsen.resolve())] == truth[DTSEN]

    payments.unlink()  # a file gone from the landing area leaves no row behind
    steps.discover(str(landing))
    assert list(recorded(conn)) == [str(dtsen.resolve())]
    dtsen.unlink()
    assert steps.discover(str(landing))["new"] == []
    assert recorded(conn) == {}


def test_a_file_rewritten_with_new_content_is_hashed_again_and_loaded_as_a_re_delivery(warehouse, conn, landing):
    write(landing, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER, DTSEN_ROW])
    settle_past_racy_window()
    (first,) = [steps.load(f, "r1") for f in steps.discover(str(landing))["new"]]
    assert found(steps.discover(str(landing)), "skipped") == {DTSEN: sha256(landing / DTSEN)}

    write(landing, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER, CORRECTED_ROW])  # the provider's correction
    again = steps.discover(str(landing))
    assert found(again, "new") == {DTSEN: sha256(landing / DTSEN)}
    (second,) = [steps.load(f, "r2") for f in again["new"]]
    assert second["replaced_batches"] == [first["batch_id"]]
    assert conn.execute("select id_keluarga from raw.dtsen").fetchall() == [("K2",)]


def test_a_new_content_with_size_and_modification_time_forged_back_is_still_hashed_again(warehouse, conn, landing):
    """The change time, which no program can set back, is part of what must be unchanged."""
    write(landing, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER, DTSEN_ROW])
    path = landing / DTSEN
    settle_past_racy_window()
    (first,) = [steps.load(f, "r1") for f in steps.discover(str(landing))["new"]]
    before = os.stat(path)

    write(landing, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER, CORRECTED_ROW])
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(path)
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)

    again = steps.discover(str(landing))
    assert found(again, "new") == {DTSEN: sha256(path)} != {DTSEN: first_checksum(conn, first)}
    (second,) = [steps.load(f, "r2") for f in again["new"]]
    assert second["replaced_batches"] == [first["batch_id"]]


def first_checksum(conn, result: dict) -> str:
    return conn.execute(
        "select checksum from meta.load_manifest where batch_id = %s", (result["batch_id"],)
    ).fetchone()[0]


def test_bytes_changed_beneath_the_file_system_are_missed_by_the_cache_and_found_by_a_recheck(warehouse, conn, landing):
    write(landing, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER, DTSEN_ROW])
    path = landing / DTSEN
    settle_past_racy_window()
    (first,) = [steps.load(f, "r1") for f in steps.discover(str(landing))["new"]]
    loaded = sha256(path)
    write(landing, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER, CORRECTED_ROW])
    record_as_if_unchanged(conn, path, loaded)  # no metadata of the file says it changed

    assert found(steps.discover(str(landing)), "skipped") == {DTSEN: loaded}  # what the cache cannot see
    again = steps.discover(str(landing), recheck=True)
    assert found(again, "new") == {DTSEN: sha256(path)}
    (second,) = [steps.load(f, "r2") for f in again["new"]]
    assert second["replaced_batches"] == [first["batch_id"]]
    assert conn.execute("select id_keluarga from raw.dtsen").fetchall() == [("K2",)]


def test_a_stale_recorded_checksum_never_loads_other_bytes_the_load_fails_and_the_next_scan_hashes_again(
    warehouse, conn, landing
):
    write(landing, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER, DTSEN_ROW])
    path = landing / DTSEN
    stale = sha256(path)
    write(landing, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER, CORRECTED_ROW])
    record_as_if_unchanged(conn, path, stale)

    (scanned,) = steps.discover(str(landing))["new"]
    assert scanned["checksum"] == stale
    with pytest.raises(FileRejected, match="its bytes are not those the scan checksummed"):
        steps.load(scanned, "r1")
    assert conn.execute("select count(*) from raw.dtsen").fetchone() == (0,)
    assert conn.execute("select status, checksum from meta.load_manifest").fetchall() == [("REJECTED", stale)]
    assert recorded(conn) == {}  # the rejected file's checksum is forgotten

    (rescanned,) = steps.discover(str(landing))["new"]
    assert rescanned["checksum"] == sha256(path)
    assert steps.load(rescanned, "r2")["status"] == "LOADED"
    assert conn.execute("select id_keluarga from raw.dtsen").fetchall() == [("K2",)]


def test_only_files_taken_and_settled_past_the_racy_window_are_recorded(warehouse, conn, landing):
    write(landing, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER, DTSEN_ROW])
    assert list(found(steps.discover(str(landing)), "new")) == [DTSEN]
    assert recorded(conn) == {}  # changed within RACY_NS of the scan: a later write could keep its times

    write(landing, "dukcapil", "dukcapil_20251130.csv", ["nik,nama_lengkap", "1,Siti"])
    (landing / "dukcapil" / "dukcapil_20251130.csv.sha256").write_text("0" * 64 + "  dukcapil_20251130.csv\n")
    settle_past_racy_window()
    result = steps.discover(str(landing))
    assert list(found(result, "new")) == [DTSEN]  # the file its sidecar does not vouch for is not taken ...
    assert list(recorded(conn)) == [str((landing / DTSEN).resolve())]  # ... nor recorded


def test_a_sidecar_is_compared_with_the_recorded_checksum_on_every_scan(warehouse, conn, landing, monkeypatch):
    write(landing, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER, DTSEN_ROW])
    sidecar = landing / "dtsen" / "dtsen_20251201.csv.sha256"
    sidecar.write_text(f"{sha256(landing / DTSEN)}  dtsen_20251201.csv\n")
    settle_past_racy_window()
    assert list(found(steps.discover(str(landing)), "new")) == [DTSEN]

    monkeypatch.setattr(checksums, "file_checksum", lambda path: pytest.fail(f"hashed {path} again"))
    assert list(found(steps.discover(str(landing)), "new")) == [DTSEN]
    sidecar.write_text("0" * 64 + "  dtsen_20251201.csv\n")  # the provider announces another content
    result = steps.discover(str(landing))
    assert result["new"] == []
    assert [i["name"] for i in result["ignored"]] == [DTSEN]


def test_the_ingest_dag_s_recheck_param_hashes_every_file(fresh_url, conn, landing):
    write(landing, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER, DTSEN_ROW])
    path = landing / DTSEN
    assert run_dag("rentan_ingest", {"landing": str(landing)}, fresh_url).success
    loaded = sha256(path)
    write(landing, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER, CORRECTED_ROW])
    record_as_if_unchanged(conn, path, loaded)

    assert run_dag("rentan_ingest", {"landing": str(landing)}, fresh_url).success
    assert conn.execute("select count(*) from meta.load_manifest").fetchone() == (1,)  # the cache was believed
    assert run_dag("rentan_ingest", {"landing": str(landing), "recheck": True}, fresh_url).success
    assert conn.execute("select status, checksum from meta.load_manifest order by batch_id").fetchall() == [
        ("REPLACED", loaded),
        ("LOADED", sha256(path)),
    ]
