"""`rentan bench`: the whole pipeline at a chosen scale on a fresh warehouse, measured side by side.

Per feed, the validated load (from the manifest of a real run) is compared with a plain
COPY of the same file into an untyped table (the physical limit here) and with
pandas.read_csv + DataFrame.to_sql on a sample of it (what one would write instead),
extrapolated per row. Then the end-to-end run through Airflow, a second run after one
new monthly payment file, and the peak memory of the pipeline's processes.
"""

from __future__ import annotations

import csv
import json
import os
import resource
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
from rentan_dev.synth import generate

PANDAS_SAMPLE_ROWS = 50_000
LARGE_FEED_ROWS = 1_000_000
SEED = 2026


def plain_copy_rows_per_s(conn: psycopg.Connection, path: str) -> float:
    """COPY the file as it is into an untyped, unlogged table: no checks, no typing."""
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
    return rows / (time.perf_counter() - started)


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
        env={"RENTAN_LANDING_SETTLE_SECONDS": "0", **os.environ, "WAREHOUSE_URL": url},
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
        last_payment = sorted((landing / "bpjs_iuran").iterdir())[-1]
        held_back.mkdir()
        shutil.move(last_payment, held_back / last_payment.name)

        e2e_full_s = rentan("run", "--landing", str(landing), url=url)
        (landing / "bpjs_iuran" / last_payment.name).write_bytes((held_back / last_payment.name).read_bytes())
        e2e_incremental_s = rentan("run", "--landing", str(landing), url=url)
        report_s = rentan("report", "--out", str(home / "reports"), url=url)

        feeds = {}
        with connect(url) as conn:
            conn.execute("reset role")
            loads = conn.execute(
                """select distinct on (feed) feed, file_path, rows_read, rows_checked, seconds from meta.load_manifest
                   where status = 'LOADED' order by feed, rows_read desc"""
            ).fetchall()
            for feed, path, rows, rows_checked, seconds in loads:
                load = rows / float(seconds)
                copy = plain_copy_rows_per_s(conn, path)
                feeds[feed] = {
                    "file": Path(path).name,
                    "rows": rows,
                    "rows_checked_in_sql": rows_checked,  # the rest passed the client-side screen
                    "seconds": float(seconds),
                    "plain_copy_s": round(rows / copy, 2),
                    "rows_per_s": round(load),
                    "plain_copy_rows_per_s": round(copy),
                    "pandas_to_sql_rows_per_s": round(pandas_rows_per_s(url, path)),
                    "vs_copy": round(load / copy, 3),
                }
                feeds[feed]["vs_to_sql"] = round(load / feeds[feed]["pandas_to_sql_rows_per_s"], 1)
            steps = {**step_seconds(conn, "full"), **step_seconds(conn, "incremental")}
        large = [f for f in feeds.values() if f["rows"] >= LARGE_FEED_ROWS]
        result = {
            "people": people,
            "generate_s": generate_s and round(generate_s, 1),
            "feeds": feeds,
            **steps,
            "load_vs_copy": min(f["vs_copy"] for f in feeds.values()),
            "load_vs_to_sql": min(f["vs_to_sql"] for f in feeds.values()),
            # the targets are for the feeds of a city's size (DTSEN, Dukcapil): at least 1 M rows
            "load_vs_copy_large_feeds": min((f["vs_copy"] for f in large), default=None),
            "load_vs_to_sql_large_feeds": min((f["vs_to_sql"] for f in large), default=None),
            "report_s": round(report_s, 1),
            "e2e_full_s": round(e2e_full_s, 1),
            "e2e_incremental_s": round(e2e_incremental_s, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
            "files": len(truth["files"]),
        }
        out.write_text(json.dumps(result, indent=2))
        return result
    finally:
        warehouse.stop()
        shutil.rmtree(home, ignore_errors=True)


def step_seconds(conn: psycopg.Connection, run: str) -> dict:
    """Seconds of the transform's steps in the full (first) or incremental (last) run, as recorded."""
    rows = conn.execute("""select summary from meta.run_log where dag_id = 'rentan_transform'
                           order by finished_at""").fetchall()
    timings = (rows[0 if run == "full" else -1][0] if rows else {}).get("seconds", {})
    return {f"{run}_{step}_s": round(s, 1) for step, s in timings.items()}


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
        if key.endswith("_s") or key.startswith("load_vs_") or key == "peak_rss_mb":
            lines.append(f"  {key:<22}{value}")
    return lines
