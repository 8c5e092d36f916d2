"""A load whose process is killed mid-COPY leaves nothing behind: no batch, and no stage held.

Found running the year under the scheduler (tests/test_production_year.py): the loader screens
the file in processes forked while COPY streams; they inherited the task's connections, and
when the task process was killed (SIGKILL, as the OOM killer does) they stayed, idle, keeping
its sessions and with them the `ingest` stage lock: every later load waited its 10 minutes and
failed. The screen's processes now die with the process that started them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import psycopg

from rentan.warehouse.locks import NAMESPACE, STAGES
from rentan_dev.year import SLOW_COPY

LOAD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from rentan.ingest.landing import scan
    from rentan.ingest.loader import load_file
    from rentan.warehouse import connect
    from rentan.warehouse.locks import stage_lock

    url, landing = sys.argv[1], Path(sys.argv[2])
    with stage_lock(url, "ingest", "killed-run"), connect(url) as conn:
        for landing_file in scan(landing):
            load_file(conn, landing_file, "killed-run")
    """
)


def write_dukcapil(landing, rows: int) -> None:
    header = (
        "nik,no_kk,nama_lengkap,jenis_kelamin,tempat_lahir,tanggal_lahir,status_kawin,jenis_pekerjaan,"
        "kode_wilayah,alamat,rt,rw,status_hidup,tanggal_kematian,tanggal_update,keterangan\n"
    )
    lines = [
        f"32750141019{n:05d},3275090000009173,ORANG {n},LAKI-LAKI,BEKASI,1985-07-07,KAWIN,PEDAGANG,"
        f"3275091005,GG MAWAR,001,002,HIDUP,,2025-11-30,\n"
        for n in range(1, rows + 1)
    ]
    (landing / "dukcapil" / "dukcapil_20251130.csv").write_text(header + "".join(lines))


def processes_of_session(sid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[3]) == sid and fields[0] != "Z":
                found.add(int(entry))
    return found


def test_a_load_killed_mid_copy_leaves_no_batch_and_no_stage_held(fresh_url, landing):
    write_dukcapil(landing, 3000)
    with psycopg.connect(fresh_url, autocommit=True) as admin:
        admin.execute(SLOW_COPY.replace("FEED", "dukcapil"))  # 3 ms a row: the COPY lasts seconds
    loader = subprocess.Popen(
        [sys.executable, "-c", LOAD, fresh_url, str(landing)],
        env={**os.environ, "RENTAN_LANDING_SETTLE_SECONDS": "0"},
        start_new_session=True,
    )
    try:
        with psycopg.connect(fresh_url, autocommit=True) as watcher:
            deadline = time.monotonic() + 120
            while not watcher.execute("select 1 from pg_stat_progress_copy where tuples_processed > 100").fetchone():
                assert loader.poll() is None and time.monotonic() < deadline, "the COPY was not seen under way"
                time.sleep(0.05)
            os.kill(loader.pid, signal.SIGKILL)  # the loading process only, as the OOM killer picks one
            loader.wait(timeout=30)
            deadline = time.monotonic() + 20
            free = False
            while not free and time.monotonic() < deadline:
                free = watcher.execute("select pg_try_advisory_lock(%s, %s)", (NAMESPACE, STAGES["ingest"])).fetchone()[
                    0
                ]
                time.sleep(0.2)
            assert free, "the ingest stage is still held after the loading process was killed"
            assert watcher.execute("select count(*) from meta.load_manifest").fetchone() == (0,)
            assert watcher.execute("select count(*) from raw.dukcapil").fetchone() == (0,)
        assert processes_of_session(loader.pid) == set()  # nothing it started is left
    finally:
        for pid in processes_of_session(loader.pid):
            os.kill(pid, signal.SIGKILL)
        if loader.poll() is None:
            loader.kill()
        with psycopg.connect(fresh_url, autocommit=True) as admin:
            admin.execute(
                "drop event trigger if exists rentan_fault_slow_copies; drop schema if exists rentan_fault cascade"
            )
