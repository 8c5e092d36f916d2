"""The `rentan` command line: the warehouse, synthetic data, pipeline runs, exports.

The only place that prints, and the only code that starts the embedded warehouse: a
command that needs the warehouse resolves it once (`use_warehouse`) and exports it as
WAREHOUSE_URL, so every step and task it runs uses that server and never starts one.
An expected failure ends the command with one line on stderr and a non-zero status.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

import psycopg
import yaml

from rentan.ingest.contracts import RAW_TABLES
from rentan.paths import REPO_ROOT
from rentan.text import neutralise
from rentan.warehouse import WAREHOUSE_ENV, connect, one_line, warehouse_url
from rentan.warehouse.embedded import LOGINS, EmbeddedWarehouse
from rentan.warehouse.errors import WarehouseError
from rentan.warehouse.locks import StageBusy

DEFAULT_LANDING = REPO_ROOT / ".landing"
DEMO_SEED = 2026
DEMO_PEOPLE = 160_000  # oversubscribed like the city: about 11,500 eligible for 9,920 places


def use_warehouse() -> str:
    """The warehouse of this command (starting the embedded one if none is configured), exported as WAREHOUSE_URL."""
    url = warehouse_url(start=True)
    os.environ[WAREHOUSE_ENV] = url
    return url


def use_migrated_warehouse() -> str:
    """use_warehouse(), migrated with the feeds' raw tables: the DAGs' tasks never migrate."""
    from rentan.warehouse.migrate import migrate

    url = use_warehouse()
    with connect(url) as conn:
        migrate(conn, RAW_TABLES)
    return url


def cmd_warehouse(args) -> int:
    warehouse = EmbeddedWarehouse()
    if args.action == "start":
        print(use_warehouse())
    elif args.action == "stop":
        warehouse.stop()
        print(f"stopped the embedded warehouse under {warehouse.home}")
    elif args.login:
        print(warehouse.url(login=args.login))
    else:
        print(os.environ.get(WAREHOUSE_ENV) or warehouse.url())
    return 0


def cmd_generate(args) -> int:
    from rentan.parameters import load_parameters
    from rentan_dev.synth import generate

    started = time.time()
    truth = generate(Path(args.out), seed=args.seed, people=args.people, params=load_parameters(args.params))
    rows = sum(f["rows"] for f in truth["files"].values())
    print(
        f"wrote {len(truth['files'])} files, {rows:,} rows for {args.people:,} people under {args.out} "
        f"in {time.time() - started:.1f}s (seed {args.seed})"
    )
    return 0


def preflight(url: str, landing: str | None, params: str | None, strict: bool = True):
    """Fail fast (rentan.pipeline.preflight): check the configuration; print one line per problem.

    `strict` (rentan check): a landing file this user cannot read is a problem; for a run it is a
    warning, and the run rejects that file alone.
    """
    from rentan.pipeline.preflight import check

    result = check(url, landing, params, unreadable_files_are_problems=strict)
    for problem in result.problems:
        print(f"rentan: {problem}", file=sys.stderr)
    for warning in result.warnings:
        print(f"rentan: warning: {warning} (the run rejects this file and loads the others)", file=sys.stderr)
    return result


def cmd_check(args) -> int:
    """The configuration check that starts every run, alone."""
    result = preflight(use_warehouse(), args.landing, args.params)
    if result.problems:
        return 2
    print("configuration OK: " + "; ".join(result.checked))
    return 0


PIPELINE = ("rentan_ingest", "rentan_transform", "rentan_report")  # in the order their assets chain them
# The --params overrides as the supervisor read and checked them (preflight), handed to the worker as JSON.
OVERRIDES_ENV = "RENTAN_RUN_OVERRIDES"


def cmd_run(args) -> int:
    """Ingest, transform, report: the three DAGs through Airflow; 1 if a task failed, 130/143 if stopped.

    This process checks the configuration, then supervises a worker process that runs the DAGs
    (rentan.stopping): a signal stops the worker and everything it started at once.
    """
    from rentan import stopping

    url = use_warehouse()
    if os.environ.get(stopping.RUN_WORKER_ENV):
        return _run_pipeline(args, url)
    checked = preflight(url, args.landing, args.params, strict=False)
    if checked.problems:
        return 2  # a configuration error: nothing has run
    argv = [sys.executable, "-m", "rentan.cli", "run", "--landing", str(args.landing)]
    argv += ["--reselect", args.reselect] if args.reselect else []
    argv += ["--recheck"] if args.recheck else []
    env = {
        **os.environ,
        stopping.RUN_WORKER_ENV: "1",
        WAREHOUSE_ENV: url,
        OVERRIDES_ENV: json.dumps(checked.overrides, default=str),
    }
    env = stopping.with_session_options(env)
    version_before = _published_version(url)
    started = dt.datetime.now(dt.UTC)
    try:
        return stopping.supervise(argv, env)
    except stopping.Stopped as stop:
        print(*_record_stop(url, stop, started, version_before), sep="\n", file=sys.stderr)
        return stop.code


def _published_version(url: str) -> int | None:
    """The version in force; None before the first publish (or before the first migration)."""
    with connect(url) as conn:
        if conn.execute("select to_regclass('meta.publish_log')").fetchone()[0] is None:
            return None
        return conn.execute("select max(version) from meta.publish_log").fetchone()[0]


def _record_stop(url: str, stop, started: dt.datetime, version_before: int | None) -> list[str]:
    """Close the stopped run's DAG runs in Airflow and record the stop in meta.run_stops; lines to print."""
    from rentan.pipeline import runner

    note = f"stopped by {stop}: `rentan run` ended it at once; the stage in progress was rolled back"
    closed = runner.close_unfinished_runs(PIPELINE, note, started_after=started)
    version_after = _published_version(url)
    with connect(url) as conn:
        stops = conn.execute("select to_regclass('meta.run_stops')").fetchone()[0]  # none if stopped before migrating
        for dag_id, run_id in (closed or [(None, None)]) if stops else []:
            conn.execute(
                """insert into meta.run_stops (run_id, dag_id, signal, published_version_before,
                       published_version_after) values (%s, %s, %s, %s, %s)""",
                (run_id, dag_id, str(stop).removeprefix("stopped by "), version_before, version_after),
            )
    published = (
        "nothing was published"
        if version_after == version_before
        else f"version {version_after} had been published before the stop"
    )
    runs = ", ".join(f"{dag_id} run {run_id}" for dag_id, run_id in closed) or "no DAG run had started"
    return [f"rentan: run {stop} ({runs}): {published}; the next run starts from where the last one ended"]


def _run_pipeline(args, url: str) -> int:
    """The worker of `rentan run`: the three DAGs through Airflow in this process."""
    from rentan import stopping
    from rentan.pipeline import runner
    from rentan.warehouse.migrate import migrate

    overrides = json.loads(os.environ.get(OVERRIDES_ENV) or "{}")
    with connect(url) as conn:
        migrate(conn, RAW_TABLES)  # the warehouse's migrations, once per run: tasks do not migrate
    runner.start()  # Airflow in this process: its home, logging, metadata database (migrated if behind)
    with stopping.live_run(runner.airflow_home()) as alone:
        if alone:  # no other run is live here: a run still "running" belongs to a process that was killed
            runner.close_unfinished_runs(PIPELINE, "its `rentan run` process was killed: closed by the next run")
        return _run_dags(args, url, overrides)


def _run_dags(args, url: str, overrides: dict) -> int:
    from rentan.pipeline import runner

    started = time.time()
    confs = {
        "rentan_ingest": {"landing": str(Path(args.landing).resolve()), "recheck": args.recheck},
        "rentan_transform": {"program_parameters": overrides, "reselect": args.reselect},
        "rentan_report": {"period": ""},
    }
    for dag_id in PIPELINE:
        print(f"{dag_id} ...", end=" ", flush=True)
        outcome = runner.run_dag(dag_id, confs[dag_id], url)
        print(_outcome_line(outcome))
        with connect(url) as conn:
            _print_dag_summary(conn, outcome, since=started)
        if not outcome.success:
            print(f"\n{dag_id} FAILED (run {outcome.run_id}):", *outcome.errors, sep="\n  ", file=sys.stderr)
            print(
                f"  task logs: `rentan airflow` (Browse > Task Instances), or under "
                f"{runner.airflow_home() / 'logs' / f'dag_id={dag_id}'}",
                file=sys.stderr,
            )
            return 1
    return 0


def _outcome_line(outcome) -> str:
    states = ", ".join(f"{n} {state}" for state, n in sorted(outcome.states().items()))
    return f"{outcome.state} in {outcome.seconds:.1f}s ({len(outcome.tasks)} tasks: {states})"


def _print_dag_summary(conn, outcome, since: float) -> None:
    from rentan.pipeline import summary

    if outcome.dag_id == "rentan_ingest":
        print(*summary.ingest_lines(conn, since), sep="\n")
    elif outcome.dag_id == "rentan_transform":
        print(*_transform_lines(conn, outcome), sep="\n")
    elif outcome.success:
        result = outcome.results.get("build_report")
        if result is None:
            print("  no payment data is published yet: no report")
        else:
            _print_report(conn, result)


def _transform_lines(conn, outcome) -> list[str]:
    """What the transform run did, then the capacity and selection, saying which version they describe."""
    from rentan.pipeline import summary
    from rentan.validate.results import validation_summary

    states = {t.task_id: t.state for t in outcome.tasks}
    lines = []
    if states.get("validate") in ("success", "failed"):
        lines += validation_summary(conn, outcome.run_id)[1]
    else:
        failed = next((t for t, state in states.items() if state == "failed"), "an earlier task")
        lines.append(f"  validation {outcome.run_id}: did not run ({failed} failed): not published")
    version = conn.execute("select version, run_id from meta.publish_log order by version desc limit 1").fetchone()
    if version is None:
        return [*lines, "  (nothing published yet)"]
    if version[1] == outcome.run_id:
        heading = f"  published version {version[0]}, built by this run:"
    else:
        heading = f"  this run published nothing; the version in force is {version[0]} (run {version[1]}):"
    return [heading, *summary.selection_lines(conn), *lines]


def cmd_demo(args) -> int:
    """Generate the synthetic landing area (deterministic) and run the pipeline on it."""
    from rentan.ingest.landing import SETTLE_SECONDS_VARIABLE
    from rentan.warehouse.pseudonym import create_demo_key

    create_demo_key()
    cmd_generate(argparse.Namespace(out=str(args.landing), seed=DEMO_SEED, people=args.people, params=None))
    os.environ.setdefault(SETTLE_SECONDS_VARIABLE, "0")  # written whole, just now, by this process
    return cmd_run(argparse.Namespace(landing=str(args.landing), params=None, reselect=None, recheck=False))


def cmd_report(args) -> int:
    """The finance office's workbook and PDF for one month, from the published marts."""
    from rentan.reports.build import build_report, latest_period, reports_dir

    use_warehouse()
    with connect() as conn:
        period = args.period or latest_period(conn)
        if period is None:
            print("rentan: no payment data is published yet", file=sys.stderr)
            return 1
        result = build_report(conn, period, Path(args.out or reports_dir()), signatories=args.signatories)
        _print_report(conn, result)
    return 0


def _print_report(conn, result: dict) -> None:
    """A report's reconciliation summary, its two files and what it was made from."""
    from rentan.reports.build import period_summary_lines

    summary = result["summary"]
    print(*period_summary_lines(conn, summary["period"]), sep="\n")
    for path in result["paths"].values():
        print(f"  {path}")
    print(
        f"  dari data versi terbit {summary['published_version'] or '-'}, {summary['input_files']} file masukan, "
        f"sidik {summary['fingerprint']}"
    )
    if summary["signatories_are_example"]:
        print(
            f"  penandatangan: CONTOH ({summary['signatories_file']}); set RENTAN_REPORT_SIGNATORIES or "
            "--signatories to the real signatories file"
        )


def cmd_export(args) -> int:
    from rentan.reports.exports import export_registration

    use_warehouse()
    with connect() as conn:
        rows = export_registration(conn, Path(args.out))
    print(f"wrote {rows:,} registration rows to {args.out}")
    return 0


def cmd_purge(args) -> int:
    from rentan.parameters import load_parameters
    from rentan.warehouse.retention import purge

    try:
        before = dt.date.fromisoformat(args.before)
    except ValueError:
        raise ValueError(f"--before {args.before!r} is not a date: give YYYY-MM-DD, e.g. --before 2025-07-01") from None
    use_migrated_warehouse()
    with connect() as conn:
        result = purge(conn, before, load_parameters(), dry_run=args.dry_run)
    verb = "would purge" if args.dry_run else "purged"
    print(
        f"{verb} {len(result['purged_files'])} file(s): {result['raw_rows']:,} raw rows, "
        f"{result['quarantine_rows']:,} quarantined rows"
        + (" (dry run: nothing changed)" if args.dry_run else " (logged in meta.purge_log)")
    )
    for f in result["purged_files"]:  # file_name is feed/file as delivered
        print(
            f"  {verb} {f['file_name']} (snapshot {f['snapshot_date'] or '-'}, {f['status']}): "
            f"{f['raw_rows']:,} raw rows, {f['quarantine_rows']:,} quarantined rows"
        )
    for f in result["kept_files"]:
        print(f"  kept {f['file_name']} (snapshot {f['snapshot_date'] or '-'}): {f['reason']}")
    return 0


def cmd_explain(args) -> int:
    """One person's whole story from the published version, read (and recorded) as a programme officer."""
    from rentan.reports import explain

    nik = explain.normalize_nik(args.nik)
    with explain.connect_officer() as conn:
        try:
            story = explain.lookup(conn, nik)
        except explain.UnknownNik:
            print(explain.unknown_sentence(nik), file=sys.stderr)
            return 1
    # Names and values come from the feeds: no escape sequence or bidi override reaches the terminal.
    print(neutralise(explain.to_json(story) if args.json else explain.render(story), keep_line_breaks=True))
    return 0


def cmd_status(args) -> int:
    """The last run of each DAG as Airflow recorded it, then the warehouse's loads, builds and publication."""
    from rentan.pipeline import status
    from rentan.pipeline.runner import airflow_env

    url = use_migrated_warehouse()
    with connect() as conn:
        lines = status.status_lines(conn, status.airflow_runs(airflow_env(url)["AIRFLOW_HOME"]))
    print(*lines, sep="\n")
    return 0


def cmd_backup(args) -> int:
    """What a new server needs to carry on (rentan.warehouse.backup), into a new folder."""
    from rentan.warehouse.backup import backup

    url = use_migrated_warehouse()
    started = time.time()
    m = backup(url, Path(args.out))
    published = m["published"]
    print(
        f"backed up {m['warehouse']} to {args.out} in {time.time() - started:.1f}s: "
        + (
            f"published version {published['version']} (run {published['run_id']})"
            if published
            else "nothing published"
        )
        + f", {len(m['tables'])} tables, {m['bytes'] / 1e6:.1f} MB"
    )
    schemas = m["schemas"]
    print(
        f"  kept: {', '.join(schemas['kept'])}; structure only: {', '.join(schemas['structure_only']) or '-'}; "
        f"left out: {', '.join(schemas['left_out']) or '-'}"
    )
    print(
        f"  not in the backup: the pseudonym key (fingerprint {m['pseudonym_key'] or '-'}): keep it apart, "
        "`rentan restore` needs it; the landing area, Airflow's run history and written reports are backed up "
        "apart (docs/deployment.md)"
    )
    return 0


def cmd_restore(args) -> int:
    """A backup onto a new warehouse; the key configured here must be the backup's."""
    from rentan.warehouse.backup import restore
    from rentan.warehouse.pseudonym import MissingKey, fingerprint, load_key

    try:
        key = fingerprint(load_key())
    except MissingKey:
        key = None
    url = use_warehouse()
    started = time.time()
    m = restore(url, Path(args.source), key, RAW_TABLES)
    published = m["published"]
    print(
        f"restored the backup of {m['warehouse']} made {m['created_at']} onto the warehouse in "
        f"{time.time() - started:.1f}s: "
        + (f"published version {published['version']}" if published else "nothing published")
        + f", {len(m['tables'])} tables, every row count as backed up"
    )
    print("  the next transform run is a full build (staging and intermediate are rebuilt from raw)")
    return 0


def cmd_year(args) -> int:
    """The programme year under Airflow's real scheduler, with its faults (rentan_dev.year)."""
    from rentan_dev.year import main

    return main(print, Path(args.root).resolve(), keep=args.keep)


def cmd_airflow(args) -> int:
    from rentan_dev.local_airflow import serve

    return serve(use_migrated_warehouse(), print, port=args.port)


def cmd_bench(args) -> int:
    from rentan_dev.bench import bench_lines, run_bench

    result = run_bench(args.people, Path(args.out), reuse=Path(args.landing) if args.landing else None)
    print(*bench_lines(result), f"\nwrote {args.out}", sep="\n")
    return 0


def cmd_bench_curve(args) -> int:
    from rentan_dev.bench_curve import curve_lines, load_results, plot_curve

    results = load_results([Path(path) for path in args.results])
    plot_curve(results, Path(args.out))
    print(*curve_lines(results), f"\nwrote {args.out}", sep="\n")
    return 0


def _reason(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError('give the reason for the decision, e.g. --reselect "APBD-P 2026 revision"')
    return text.strip()


def cmd_bi(args) -> int:
    """Superset with the repository's dashboards, on localhost, against the warehouse's BI login."""
    from rentan_dev import bi

    with bi.stop_signals():
        try:
            superset, process = bi.start(args.port)
        except KeyboardInterrupt:  # asked to stop while starting: start() left nothing running
            return 0
        try:
            return _serve_bi(bi, superset, process, args.port)
        except KeyboardInterrupt:
            bi.stop(process)
            return 0


def _serve_bi(bi, superset, process, port: int) -> int:
    print(
        f"\nSuperset: http://127.0.0.1:{port}/\n"
        f"  analyst (reads and explores): {bi.ANALYST} / {superset.analyst_password}\n"
        f"  admin (maintains the dashboards): {bi.ADMIN} / {superset.admin_password}\n"
        f"  (passwords kept in {superset.home})"
    )
    for path in sorted((bi.ASSETS_DIR / "dashboards").glob("*.yaml")):
        slug = yaml.safe_load(path.read_text())["slug"]
        print(f"  http://127.0.0.1:{port}/superset/dashboard/{slug}/")
    print("Ctrl-C (or SIGTERM) stops it.", flush=True)
    return bi.serve_until_stopped(process)


def cmd_bench_bi(args) -> int:
    """How long each dashboard takes to render, in a real browser, against the current warehouse."""
    import json

    from rentan_dev import bi
    from rentan_dev.bi_browser import bench

    port = bi.free_port()
    superset, process = bi.start(port)
    try:
        results = bench(f"http://127.0.0.1:{port}", bi.ADMIN, superset.admin_password, runs=args.runs)
    finally:
        bi.stop(process)
    print(f"{'dashboard':<22} {'first s':>8} {'median s':>9} {'max s':>7} {'page s':>7}")
    for slug, r in results.items():
        print(
            f"{slug:<22} {r['first_s']:>8.2f} {r['median_s']:>9.2f} {r['max_s']:>7.2f} "
            f"{r['median_until_first_query_s']:>7.2f}"
        )
    print("page s: median seconds until the first chart query (the page and its JavaScript in the browser)")
    Path(args.out).write_text(json.dumps(results, indent=2))
    print(f"\nwrote {args.out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rentan", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    wh = sub.add_parser("warehouse", help="start, stop or locate the embedded warehouse")
    wh.add_argument("action", choices=["start", "stop", "url"])
    wh.add_argument("--login", choices=sorted(LOGINS), help="with url: the URL of this login of the embedded server")
    wh.set_defaults(func=cmd_warehouse)

    gen = sub.add_parser("generate", help="write a synthetic landing area")
    gen.add_argument("--out", required=True)
    gen.add_argument("--seed", type=int, required=True)
    gen.add_argument("--people", type=int, default=40_000)
    gen.add_argument("--params", help="YAML file of programme parameter overrides")
    gen.set_defaults(func=cmd_generate)

    run = sub.add_parser("run", help="run the pipeline's DAGs through Airflow on a landing area")
    run.add_argument("--landing", required=True)
    run.add_argument("--params", help="YAML file of programme parameter overrides")
    run.add_argument(
        "--reselect",
        metavar="REASON",
        type=_reason,
        help="decide to change the selected cohort although participants are enrolled (kept in audit)",
    )
    run.add_argument(
        "--recheck",
        action="store_true",
        help="hash every landing file again, whatever the checksum cache says (meta.landing_checksums)",
    )
    run.set_defaults(func=cmd_run)

    check = sub.add_parser("check", help="check the configuration a run needs, and run nothing")
    check.add_argument("--landing", required=True)
    check.add_argument("--params", help="YAML file of programme parameter overrides")
    check.set_defaults(func=cmd_check)

    demo = sub.add_parser("demo", help="generate synthetic data and run the whole pipeline on it")
    demo.add_argument("--landing", default=str(DEFAULT_LANDING))
    demo.add_argument("--people", type=int, default=DEMO_PEOPLE)
    demo.set_defaults(func=cmd_demo)

    report = sub.add_parser("report", help="the monthly reconciliation workbook and PDF for the finance office")
    report.add_argument("--period", help="YYYY-MM (default: the latest month with payment data)")
    report.add_argument("--out", help="default: $RENTAN_REPORTS or .reports/")
    report.add_argument(
        "--signatories",
        help="YAML of who signs the PDF (default: $RENTAN_REPORT_SIGNATORIES, else the example with placeholder names)",
    )
    report.set_defaults(func=cmd_report)

    export = sub.add_parser("export", help="export an operational list (restricted: holds NIK)")
    export.add_argument("what", choices=["registration"])
    export.add_argument("--out", required=True)
    export.set_defaults(func=cmd_export)

    purge = sub.add_parser("purge", help="remove raw and quarantined rows of batches older than a date")
    purge.add_argument("--before", required=True, help="YYYY-MM-DD")
    purge.add_argument("--dry-run", action="store_true", help="show what would be purged; change nothing")
    purge.set_defaults(func=cmd_purge)

    explain = sub.add_parser("explain", help="one person's whole story in Bahasa Indonesia (restricted: officers)")
    explain.add_argument("nik", help="the person's NIK (16 digits)")
    explain.add_argument("--json", action="store_true", help="the same story as JSON, for other tools")
    explain.set_defaults(func=cmd_explain)

    bench = sub.add_parser("bench", help="measure the pipeline at scale on a fresh warehouse")
    bench.add_argument("--people", type=int, default=2_600_000)
    bench.add_argument("--out", default="bench.json")
    bench.add_argument("--landing", help="a landing area from `rentan generate` to measure on (default: generate one)")
    bench.set_defaults(func=cmd_bench)

    bench_curve = sub.add_parser("bench-curve", help="seconds and memory against people, from bench.json files")
    bench_curve.add_argument("results", nargs="+", help="bench.json files of `rentan bench` at several --people")
    bench_curve.add_argument("--out", default="docs/performance/bench_curve.png", help="the PNG to write")
    bench_curve.set_defaults(func=cmd_bench_curve)

    status = sub.add_parser("status", help="last runs, loads, quarantine, validation and publication in one screen")
    status.set_defaults(func=cmd_status)

    backup = sub.add_parser("backup", help="back up what a new warehouse needs to carry on exactly")
    backup.add_argument("--out", required=True, help="a new folder for the backup")
    backup.set_defaults(func=cmd_backup)

    restore = sub.add_parser("restore", help="restore a backup onto a new, empty warehouse")
    restore.add_argument("source", help="the folder `rentan backup` wrote")
    restore.set_defaults(func=cmd_restore)

    year = sub.add_parser("year", help="play a small programme year under Airflow's real scheduler, with faults")
    year.add_argument("--root", default=str(REPO_ROOT / ".year"), help="its working folder (replaced)")
    year.add_argument("--keep", action="store_true", help="keep Airflow running afterwards, until Ctrl-C")
    year.set_defaults(func=cmd_year)

    airflow = sub.add_parser("airflow", help="the Airflow UI on localhost, with the project's DAGs")
    airflow.add_argument("--port", type=int, default=8080)
    airflow.set_defaults(func=cmd_airflow)

    bi = sub.add_parser("bi", help="Superset with the project's dashboards on localhost (installs .venv-bi)")
    bi.add_argument("--port", type=int, default=8088)
    bi.set_defaults(func=cmd_bi)

    bench_bi = sub.add_parser("bench-bi", help="time each dashboard's rendering in a real browser")
    bench_bi.add_argument("--runs", type=int, default=3)
    bench_bi.add_argument("--out", default="bi-bench.json")
    bench_bi.set_defaults(func=cmd_bench_bi)
    return parser


# What a command may fail with that a person can act on: one line, never a traceback.
# (WarehouseError includes ConfigurationError; psycopg.Error a warehouse lost mid-command.)
EXPECTED_ERRORS = (WarehouseError, StageBusy, RuntimeError, psycopg.Error, OSError, ValueError)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except psycopg.OperationalError as err:
        print(f"rentan: lost the warehouse: {one_line(err)}", file=sys.stderr)
    except EXPECTED_ERRORS as err:
        print(f"rentan: {one_line(err)}", file=sys.stderr)
    except KeyboardInterrupt:
        print("rentan: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # a bug: still one line; RENTAN_DEBUG=1 shows the traceback
        if os.environ.get("RENTAN_DEBUG"):
            raise
        print(
            f"rentan: unexpected {type(err).__name__}: {one_line(err)} (a bug: RENTAN_DEBUG=1 shows where)",
            file=sys.stderr,
        )
        return 3
    return 2


if __name__ == "__main__":
    sys.exit(main())
