"""`rentan bench`: the whole pipeline at a chosen scale on a fresh warehouse, measured side by side.

Per feed, the validated load (from the manifest of a real run) is compared with a plain
COPY of the same file into an untyped table (the physical limit here) and with
pandas.read_csv + DataFrame.to_sql on a sample of it (what one would write instead),
extrapolated per row. Three runs through Airflow, as the city's year goes: the full first run
(everything but the last two months' newest deliveries), a payment-only month (the month
before's payment file alone) and the real month (its Dukcapil snapshot, BPJS membership
snapshot and payment file together). Each is set against `copy_all_s`, a plain COPY of every
file the full run loaded, one after the other: the floor of merely moving the bytes in, measured
in the same run because absolute seconds differ twofold from machine to machine.
"""

from __future__ import annotations

import csv
import json
import os
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

from rentan.warehouse import connect
from rentan.warehouse.embedded import EmbeddedWarehouse
from rentan.warehouse.pseudonym import KEY_ENV
from rentan_dev.synth import generate

PANDAS_SAMPLE_ROWS = 50_000
LARGE_FEED_ROWS = 1_000_000
SLOWEST_NODES = 12
SEED = 2026
# The bench's warehouse is synthetic and thrown away: a key of its own unless RENTAN_PSEUDONYM_KEY is set,
# the same for its three runs (another key would rebuild everything).
BENCH_KEY = secrets.token_urlsafe(32)


def plain_copy(conn: psycopg.Connection, path: str) -> tuple[int, float]:
    """COPY the file as it is into an untyped, unlogged table (no checks, no typing): its rows and seconds."""
    with open(path, encoding="utf-8-sig") as f:
        width = len(next(csv.reader(f)))
    columns = sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(f"c{i}")) for i in range(width))
    started = time.perf_counter()
    with conn.transaction():
        conn.execute(sql.SQL("create unlogged table public.bench_plain ({})").format(columns))
        with conn.cursor() as cur:
            with cur.copy("copy public.bench_plain from stdin (format csv, header true)") as copy:
                with open(path, "rb") as f:
                    while chunk := f.read(1 << 20):
                        copy.write(chunk)
            rows = cur.rowcount
        conn.execute("drop table public.bench_plain")
    return rows, time.perf_counter() - started


def copy_all(copies: dict[str, tuple[int, float]]) -> dict:
    """Every file plainly COPYed one after the other (`plain_copy` of each): the floor of a run's load."""
    return {
        "copy_all_s": round(sum(seconds for _, seconds in copies.values()), 2),
        "copy_all_files": len(copies),
        "copy_all_rows": sum(rows for rows, _ in copies.values()),
    }


def pandas_rows_per_s(url: str, path: str) -> float:
    """What a user would write instead, on a sample of the file: read_csv + to_sql."""
    import pandas as pd
    import sqlalchemy

    engine = sqlalchemy.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    started = time.perf_counter()
    frame = pd.read_csv(path, dtype=str, nrows=PANDAS_SAMPLE_ROWS, encoding="utf-8-sig")
    frame.to_sql("bench_pandas", engine, schema="public", if_exists="replace", index=False)
    seconds = time.perf_counter() - started
    engine.dispose()
    return len(frame) / seconds


def rentan(*args: str, url: str) -> float:
    """Run the CLI as a user would; return its wall seconds."""
    started = time.perf_counter()
    done = subprocess.run(
        [str(Path(sys.executable).parent / "rentan"), *args],
        # the bench wrote its landing files whole before this: no settle wait
        env={"RENTAN_LANDING_SETTLE_SECONDS": "0", KEY_ENV: BENCH_KEY, **os.environ, "WAREHOUSE_URL": url},
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:  # the CLI shows one line: the run's own error lines, joined
        said = [line.strip() for line in done.stderr.splitlines() if line.strip()][-4:]
        raise RuntimeError(f"rentan {' '.join(args)} failed: {' | '.join(said) or 'no message'}")
    return time.perf_counter() - started


def link_landing(source: Path, landing: Path) -> dict:
    """A landing area generated earlier (`rentan generate`), hard-linked so the bench never writes into it."""
    truth_file = source / "synth_truth.json"
    if not truth_file.is_file():
        raise ValueError(f"{source} is not a generated landing area: it has no synth_truth.json")
    shutil.copytree(source, landing, copy_function=os.link)
    return json.loads(truth_file.read_text())


def later_deliveries(landing: Path) -> dict[str, list[Path]]:
    """The files held back from the full run, per later run: the payment-only month, then the real month.

    The real month is the newest delivery of each monthly feed (Dukcapil, BPJS membership,
    payments); the payment-only month is the payment file of the month before.
    """

    def newest(feed: str, back: int = 1) -> Path:
        return sorted((landing / feed).glob("*.csv"))[-back]

    return {
        "payment_month": [newest("bpjs_iuran", back=2)],
        "month": [newest("dukcapil"), newest("bpjs_kepesertaan"), newest("bpjs_iuran")],
    }


def run_measures(url: str, since: float) -> dict:
    """What the `rentan run` started at `since` did, as the warehouse recorded it: files loaded, steps' seconds.

    `load` is the sum of the loaded files' seconds in meta.load_manifest; the other steps are
    the transform run's own (meta.run_log: build, validate, publish).
    """
    with connect(url) as conn:
        loaded = conn.execute(
            """select file_path, seconds from meta.load_manifest
               where status = 'LOADED' and started_at >= to_timestamp(%s) order by batch_id""",
            (since,),
        ).fetchall()
        transform = conn.execute(
            """select summary from meta.run_log where dag_id = 'rentan_transform' and finished_at >= to_timestamp(%s)
               order by finished_at desc limit 1""",
            (since,),
        ).fetchone()
        # where a build's seconds go: its slowest dbt nodes (models and tests), as dbt timed them; a unit
        # test is named with its model (a model can have several)
        slowest = conn.execute(
            """select resource_type || ' ' || split_part(unique_id, '.', 3)
                      || case when resource_type = 'unit_test' then '.' || split_part(unique_id, '.', 4) else '' end,
                      seconds
               from audit.dbt_results where recorded_at >= to_timestamp(%s) order by seconds desc limit %s""",
            (since, SLOWEST_NODES),
        ).fetchall()
    steps = {
        "load": sum(float(seconds) for _, seconds in loaded),
        **(transform[0].get("seconds", {}) if transform else {}),
    }
    return {
        "paths": [path for path, _ in loaded],
        "steps": steps,
        "slowest_nodes": {node: float(seconds) for node, seconds in slowest},
    }


def run_bench(people: int, out: Path, reuse: Path | None = None) -> dict:
    home = Path(tempfile.mkdtemp(prefix="rentan-bench-"))
    warehouse = EmbeddedWarehouse(home / "warehouse")
    try:
        url = warehouse.start()
        landing, held_back = home / "landing", home / "held_back"
        started = time.perf_counter()
        truth = link_landing(reuse, landing) if reuse else generate(landing, seed=SEED, people=people)
        people = truth["people"]
        generate_s = None if reuse else time.perf_counter() - started
        later = later_deliveries(landing)
        held_back.mkdir()
        for path in (path for paths in later.values() for path in paths):
            shutil.move(path, held_back / path.name)

        seconds, runs = {}, {}
        for run in ("full", *later):
            for path in later.get(run, []):  # a new file, as a delivery writes it (never into a linked one)
                shutil.copyfile(held_back / path.name, path)
            since = time.time()
            seconds[run] = rentan("run", "--landing", str(landing), url=url)
            runs[run] = run_measures(url, since)
        report_s = rentan("report", "--out", str(home / "reports"), url=url)

        feeds = {}
        with connect(url) as conn:
            conn.execute("reset role")
            copies = {path: plain_copy(conn, path) for path in runs["full"]["paths"]}
            loads = conn.execute(
                """select distinct on (feed) feed, file_path, rows_read, rows_checked, seconds from meta.load_manifest
                   where status = 'LOADED' order by feed, rows_read desc"""
            ).fetchall()
            for feed, path, rows, rows_checked, load_s in loads:
                load = rows / float(load_s)
                copy_rows, copy_s = copies.get(path) or plain_copy(conn, path)  # each file COPYed once
                copy = copy_rows / copy_s
                feeds[feed] = {
                    "file": Path(path).name,
                    "rows": rows,
                    "rows_checked_in_sql": rows_checked,  # the rest passed the client-side screen
                    "seconds": float(load_s),
                    "plain_copy_s": round(rows / copy, 2),
                    "rows_per_s": round(load),
                    "plain_copy_rows_per_s": round(copy),
                    "pandas_to_sql_rows_per_s": round(pandas_rows_per_s(url, path)),
                    "vs_copy": round(load / copy, 3),
                }
                feeds[feed]["vs_to_sql"] = round(load / feeds[feed]["pandas_to_sql_rows_per_s"], 1)
        large = [f for f in feeds.values() if f["rows"] >= LARGE_FEED_ROWS]
        result = {
            "people": people,
            "generate_s": generate_s and round(generate_s, 1),
            "feeds": feeds,
            "load_vs_copy": min(f["vs_copy"] for f in feeds.values()),
            "load_vs_to_sql": min(f["vs_to_sql"] for f in feeds.values()),
            # the targets are for the feeds of a city's size (DTSEN, Dukcapil): at least 1 M rows
            "load_vs_copy_large_feeds": min((f["vs_copy"] for f in large), default=None),
            "load_vs_to_sql_large_feeds": min((f["vs_to_sql"] for f in large), default=None),
            "report_s": round(report_s, 1),
            **copy_all(copies),
            **{f"e2e_{run}_s": round(s, 1) for run, s in seconds.items()},
            **{
                f"{run}_{step}_s": round(s, 1)
                for run, measures in runs.items()
                for step, s in measures["steps"].items()
            },
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
            "files": len(truth["files"]),
            "files_loaded": {run: [Path(path).name for path in measures["paths"]] for run, measures in runs.items()},
            "slowest_nodes": {run: measures["slowest_nodes"] for run, measures in runs.items()},
        }
        result.update(ratios(result))
        out.write_text(json.dumps(result, indent=2))
        return result
    finally:
        warehouse.stop()
        shutil.rmtree(home, ignore_errors=True)


def ratios(result: dict) -> dict:
    """The issue's targets, each a ratio to work measured in the same run (so comparable across machines)."""
    return {
        "full_vs_copy_all": round(result["e2e_full_s"] / result["copy_all_s"], 2),
        "month_vs_full": round(result["e2e_month_s"] / result["e2e_full_s"], 3),
        "payment_month_vs_full": round(result["e2e_payment_month_s"] / result["e2e_full_s"], 3),
    }


def bench_lines(result: dict) -> list[str]:
    """The bench's table and figures, for the CLI to print."""
    lines = [
        f"rentan bench: {result['people']:,} people ({result['files']} files, "
        + (f"generated in {result['generate_s']}s)" if result["generate_s"] else "a landing generated earlier)"),
        "",
        f"{'feed':<18}{'rows':>11}{'load s':>9}{'rows/s':>11}{'COPY rows/s':>13}{'vs COPY':>9}"
        f"{'to_sql rows/s':>15}{'vs to_sql':>11}",
    ]
    for feed, f in result["feeds"].items():
        lines.append(
            f"{feed:<18}{f['rows']:>11,}{f['seconds']:>9.2f}{f['rows_per_s']:>11,}{f['plain_copy_rows_per_s']:>13,}"
            f"{f['vs_copy']:>9.2f}{f['pandas_to_sql_rows_per_s']:>15,}{f['vs_to_sql']:>10.1f}x"
        )
    lines.append("")
    for key, value in result.items():
        if key.endswith("_s") or "_vs_" in key or key == "peak_rss_mb":
            lines.append(f"  {key:<28}{value}")
    return lines
