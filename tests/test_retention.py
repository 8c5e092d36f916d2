"""rentan purge: exactly the old batches the programme no longer reads lose their rows."""

from __future__ import annotations

import datetime as dt

from rentan.parameters import load_parameters
from rentan.warehouse.retention import purge
from tests.factories import DTSEN_HEADER, DTSEN_ROW, GOOD_NIK, PAYMENT_HEADER, load_all, write

PAYMENT = f"A1,2025-11,KPJ1,{GOOD_NIK},Siti,1000000,10000,6800,16800,2025-11-05,REF,PEMBAYARAN"


def test_purge_removes_exactly_the_old_unused_batches(conn, landing):
    for day in ("20250601", "20250901", "20251201", "20260301"):
        write(landing, "dtsen", f"dtsen_{day}.csv", [DTSEN_HEADER, DTSEN_ROW, DTSEN_ROW.replace(GOOD_NIK, "1")])
    write(landing, "bpjs_iuran", "bpjs_iuran_202511.csv", [PAYMENT_HEADER, PAYMENT])
    write(landing, "bpjs_iuran", "bpjs_iuran_202601.csv", [PAYMENT_HEADER, PAYMENT.replace("2025-11", "2026-01")])
    results = load_all(conn, landing)
    batch = {name.split("_")[-1][:-4]: r["batch_id"] for name, r in results.items()}
    params = load_parameters()  # selection_date 2025-12-15, program_year 2026

    result = purge(conn, dt.date(2026, 1, 1), params)

    assert sorted(result["purged_batches"]) == sorted([batch["20250601"], batch["20250901"], batch["202511"]])
    assert result["raw_rows"] == 2 + 2 + 1 and result["quarantine_rows"] == 2
    assert result["kept"] == {str(batch["20251201"]): "snapshot of the selection date"}
    remaining = conn.execute("select batch_id, count(*) from raw.dtsen group by 1 order by 1").fetchall()
    assert remaining == [(batch["20251201"], 2), (batch["20260301"], 2)]
    assert conn.execute("select count(*) from raw.bpjs_iuran").fetchone()[0] == 1
    assert {b for (b,) in conn.execute("select distinct batch_id from meta.quarantine")} == {
        batch["20251201"],
        batch["20260301"],
    }
    statuses = dict(conn.execute("select batch_id, status from meta.load_manifest").fetchall())
    assert [b for b, s in statuses.items() if s == "PURGED"] == sorted(result["purged_batches"])
    log = conn.execute("select before_date, batch_ids, raw_rows from meta.purge_log").fetchone()
    assert log == (dt.date(2026, 1, 1), sorted(result["purged_batches"]), 5)


def test_a_purged_file_is_not_loaded_again(conn, landing):
    write(landing, "dtsen", "dtsen_20250601.csv", [DTSEN_HEADER, DTSEN_ROW])
    write(landing, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER, DTSEN_ROW])
    load_all(conn, landing)
    purge(conn, dt.date(2025, 7, 1), load_parameters())
    assert load_all(conn, landing) == {}


def test_dry_run_names_each_file_and_changes_nothing(conn, landing, fresh_url, monkeypatch, capsys):
    from rentan import cli

    for day in ("20250601", "20251201"):
        write(landing, "dtsen", f"dtsen_{day}.csv", [DTSEN_HEADER, DTSEN_ROW, DTSEN_ROW.replace(GOOD_NIK, "1")])
    write(landing, "bpjs_iuran", "bpjs_iuran_202511.csv", [PAYMENT_HEADER, PAYMENT])
    write(landing, "bpjs_iuran", "bpjs_iuran_202601.csv", [PAYMENT_HEADER, PAYMENT.replace("2025-11", "2026-01")])
    load_all(conn, landing)
    manifest = "select batch_id, status from meta.load_manifest order by batch_id"
    quarantine = "select count(*) from meta.quarantine"
    before = conn.execute(manifest).fetchall(), conn.execute(quarantine).fetchone()
    monkeypatch.setenv("WAREHOUSE_URL", fresh_url)

    assert cli.main(["purge", "--before", "2026-01-01", "--dry-run"]) == 0

    out = capsys.readouterr().out.splitlines()
    assert out[0] == "would purge 2 file(s): 3 raw rows, 1 quarantined rows (dry run: nothing changed)"
    assert out[1:] == [
        "  would purge bpjs_iuran/bpjs_iuran_202511.csv (snapshot 2025-11-01, LOADED): 1 raw rows, 0 quarantined rows",
        "  would purge dtsen/dtsen_20250601.csv (snapshot 2025-06-01, LOADED): 2 raw rows, 1 quarantined rows",
        "  kept dtsen/dtsen_20251201.csv (snapshot 2025-12-01): snapshot of the selection date",
    ]
    assert (conn.execute(manifest).fetchall(), conn.execute(quarantine).fetchone()) == before
    assert conn.execute("select count(*) from raw.dtsen").fetchone() == (4,)
    assert conn.execute("select count(*) from raw.bpjs_iuran").fetchone() == (2,)
    assert conn.execute("select count(*) from meta.purge_log").fetchone() == (0,)

    assert cli.main(["purge", "--before", "2026-01-01"]) == 0
    out = capsys.readouterr().out
    assert "purged dtsen/dtsen_20250601.csv" in out and "batch" not in out
    assert conn.execute("select count(*) from raw.dtsen").fetchone() == (2,)


def test_a_bad_before_value_is_one_line_naming_the_option(capsys):
    from rentan import cli

    assert cli.main(["purge", "--before", "2026-13-01"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("rentan: --before '2026-13-01' is not a date")
