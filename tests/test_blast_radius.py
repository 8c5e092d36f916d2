"""Issue 23, cases 2 and 7: one bad entry of the landing area never stops the others, and what is not
loaded is said.

The unreadable file is real: a payment file owned by a throwaway OS user with mode 600. The
tests run as root, which reads any file, so the loading side runs without the two capabilities
that let root bypass file permissions (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, dropped from its
bounding set with util-linux `setpriv`): for it, as for a real loading user, the file cannot be
opened.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from rentan.ingest import steps
from tests.factories import DTSEN_HEADER, DTSEN_ROW, GOOD_NIK, PAYMENT_HEADER, load_all, write
from tests.helpers_dbt import query

RENTAN = str(Path(sys.executable).parent / "rentan")
WITHOUT_ROOTS_BYPASS = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
PAYMENT = f"A1,2026-01,KPJ1,{GOOD_NIK},Siti,1000000,10000,6800,16800,2026-01-05,REF,PEMBAYARAN"


@pytest.fixture
def other_user():
    """A throwaway OS user (no home, no shell), removed afterwards."""
    if os.geteuid() != 0 or not shutil.which("useradd") or not shutil.which("setpriv"):
        if os.environ.get("CI") == "true":
            pytest.fail("this test needs root, useradd and setpriv (util-linux)")
        pytest.skip("needs root, useradd and setpriv")
    name = f"rentan_t_{uuid.uuid4().hex[:8]}"
    subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name], check=True)
    yield name
    subprocess.run(["userdel", name], check=False)


INGEST = """
import json, sys
from rentan.pipeline.runner import run_dag
outcome = run_dag("rentan_ingest", {"landing": sys.argv[1]}, sys.argv[2])
print(json.dumps({"state": outcome.state, "tasks": {t.name: t.state for t in outcome.tasks}, "errors": outcome.errors}))
"""


def test_an_unreadable_file_and_a_cr_only_file_are_rejected_alone_and_the_good_file_loads(
    fresh_url, landing, other_user
):
    write(landing, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER, DTSEN_ROW])
    write(landing, "bpjs_iuran", "bpjs_iuran_202601.csv", [PAYMENT_HEADER, PAYMENT])
    locked = landing / "bpjs_iuran" / "bpjs_iuran_202601.csv"
    shutil.chown(locked, other_user, other_user)
    locked.chmod(0o600)
    write(landing, "dukcapil", "dukcapil_20251130.csv", ["nik,nama_lengkap", f"{GOOD_NIK},Siti"], newline="\r")

    checked = subprocess.run(
        [*WITHOUT_ROOTS_BYPASS, RENTAN, "check", "--landing", str(landing)],
        env={**os.environ, "WAREHOUSE_URL": fresh_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 2 and "configuration OK" not in checked.stdout
    assert checked.stderr.splitlines() == [
        "rentan: bpjs_iuran/bpjs_iuran_202601.csv: cannot read it: Permission denied: give this user read access"
    ]

    done = subprocess.run(
        [*WITHOUT_ROOTS_BYPASS, sys.executable, "-c", INGEST, str(landing), fresh_url],
        env={**os.environ, "WAREHOUSE_URL": fresh_url},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout.splitlines()[-1])
    assert outcome["tasks"]["discover"] == "success"
    assert outcome["tasks"]["load_file[dtsen/dtsen_20251201.csv]"] == "success"
    assert outcome["tasks"]["load_file[bpjs_iuran/bpjs_iuran_202601.csv]"] == "failed"
    assert outcome["tasks"]["load_file[dukcapil/dukcapil_20251130.csv]"] == "failed"
    rows = dict(
        (name, (status, error))
        for name, status, error in query(fresh_url, "select file_name, status, error from meta.load_manifest")
    )
    assert rows["dtsen/dtsen_20251201.csv"] == ("LOADED", None)
    status, error = rows["bpjs_iuran/bpjs_iuran_202601.csv"]
    assert status == "REJECTED"
    assert error == (
        f"bpjs_iuran/bpjs_iuran_202601.csv: cannot read it: Permission denied (owned by {other_user}, mode 600): "
        "give the loading user read access; it is tried again on the next run"
    )
    status, error = rows["dukcapil/dukcapil_20251130.csv"]
    assert status == "REJECTED" and error.startswith("dukcapil/dukcapil_20251130.csv: line 1: a carriage return (CR)")
    # One try each: a file's fault does not get better by retrying.
    assert "bpjs_iuran_202601.csv (bpjs_iuran/bpjs_iuran_202601.csv: cannot read it" in outcome["errors"][-1]


def test_every_entry_not_loaded_is_named_with_its_reason_and_a_symlink_is_judged_by_its_own_name(
    fresh_url, landing, monkeypatch, tmp_path
):
    monkeypatch.setenv("WAREHOUSE_URL", fresh_url)
    archive = tmp_path / "archive"
    archive.mkdir()
    write(landing, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER, DTSEN_ROW])
    (archive / "dtsen_20251101.csv").write_text(f"{DTSEN_HEADER}\n{DTSEN_ROW}\n")
    (landing / "dtsen" / "dtsen_20260301.csv").symlink_to(archive / "dtsen_20251101.csv")
    (landing / "dtsen" / "notes.txt").write_text("x")
    (landing / "dtsen" / "dtsen_20251215.csv.gz").write_bytes(b"\x1f\x8b")
    (landing / "dtsen" / "old").mkdir()
    (landing / "dtsen" / "dtsen_20251220.csv ").write_text(f"{DTSEN_HEADER}\n")
    (landing / "dtsen" / "loop.csv").symlink_to(landing / "dtsen" / "loop.csv")
    os.mkfifo(landing / "dtsen" / "pipe.csv")
    (landing / "DTSEN").mkdir()

    found = steps.discover(str(landing))

    assert {f["name"]: f["snapshot_date"] for f in found["new"]} == {
        "dtsen/dtsen_20251201.csv": "2025-12-01",
        "dtsen/dtsen_20260301.csv": "2026-03-01",  # the link's own date, not its target's
    }
    assert {(i["name"], i["reason"]) for i in found["ignored"]} == {
        ("DTSEN/", "not a feed folder: feed folders are lower case (dtsen/)"),
        ("dtsen/notes.txt", "not a .csv file (compressed or other files are not read: deliver the CSV itself)"),
        (
            "dtsen/dtsen_20251215.csv.gz",
            "not a .csv file (compressed or other files are not read: deliver the CSV itself)",
        ),
        ("dtsen/old", "a folder: sub-folders are not read"),
        ("dtsen/dtsen_20251220.csv ", "its name starts or ends with a space: rename it"),
        ("dtsen/loop.csv", "a symbolic link that leads nowhere (a loop, or its target is missing)"),
        ("dtsen/pipe.csv", "not a regular file (a FIFO, socket or device): deliver the file itself"),
    }
    results = [steps.load(f, "r1") for f in found["new"]]
    assert {r["snapshot_date"] for r in results} == {"2025-12-01", "2026-03-01"}
    again = steps.discover(str(landing))
    assert again["new"] == [] and len(again["skipped"]) == 2  # the link is not "new" on every run
    summary = steps.summarize(results, found, "r1", "rentan_ingest")
    assert [i["name"] for i in summary["dtsen"]["ignored"]] == sorted(
        i["name"] for i in found["ignored"] if i["feed"] == "dtsen"
    )


def test_an_implausible_household_is_quarantined_and_too_many_payments_for_one_nik_warned_with_numbers(conn, landing):
    big = [f"K1,327501410190{i + 1:04d},3275010101900001,Siti,ANAK,P,01-01-1990,3275011001,3,X" for i in range(31)]
    normal = [f"K2,327501410190{i + 51:04d},3275010101900002,Ani,ANAK,P,01-01-1990,3275011001,3,X" for i in range(30)]
    write(landing, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER, *big, *normal])
    lines = [PAYMENT.replace("A1,", f"A{n},") for n in range(5)]
    other = PAYMENT.replace("A1,", "B1,").replace(GOOD_NIK, "3275014101900002")
    write(landing, "bpjs_iuran", "bpjs_iuran_202601.csv", [PAYMENT_HEADER, *lines, other])

    results = load_all(conn, landing)

    dtsen, payments = results["dtsen/dtsen_20251201.csv"], results["bpjs_iuran/bpjs_iuran_202601.csv"]
    assert (dtsen["rows_loaded"], dtsen["rows_quarantined"]) == (30, 31)
    assert dtsen["warnings"] == [
        "dtsen/dtsen_20251201.csv: household K1 has 31 rows: more than max_household_rows 30; "
        "their 31 rows are quarantined (HOUSEHOLD_TOO_LARGE)"
    ]
    assert (payments["rows_loaded"], payments["rows_quarantined"]) == (6, 0)  # money that moved: reconciled
    assert payments["warnings"] == [
        f"bpjs_iuran/bpjs_iuran_202601.csv: NIK {GOOD_NIK} has 5 rows: more than max_payment_lines_per_nik 4; "
        "loaded, check them"
    ]
    assert conn.execute(
        "select reason_code, column_name, count(*) from meta.quarantine group by 1, 2 order by 1"
    ).fetchall() == [("HOUSEHOLD_TOO_LARGE", "id_keluarga", 31)]
    assert (
        conn.execute("select warnings from meta.load_manifest where file_name = 'dtsen/dtsen_20251201.csv'").fetchone()[
            0
        ]
        == dtsen["warnings"]
    )
    assert conn.execute(
        "select amount_total_idr, amount_loaded_idr, amount_quarantined_idr from meta.load_manifest "
        "where feed = 'bpjs_iuran'"
    ).fetchone() == (6 * 16800, 6 * 16800, 0)
