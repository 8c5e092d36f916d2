"""The `rentan` command line: the warehouse, synthetic data, pipeline runs, exports."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import psycopg
import yaml

from rentan.paths import REPO_ROOT
from rentan.reports.build import reports_dir
from rentan.warehouse import LOGINS, EmbeddedWarehouse, WarehouseError, connect, warehouse_url

DEFAULT_LANDING = REPO_ROOT / ".landing"
DEMO_SEED = 2026


def cmd_warehouse(args) -> int:
    warehouse = EmbeddedWarehouse()
    if args.action == "start":
        print(warehouse_url())
    elif args.action == "stop":
        warehouse.stop()
        print(f"stopped the embedded warehouse under {warehouse.home}")
    elif args.login:
        print(warehouse.url(login=args.login))
    else:
        print(warehouse_url(start=False))
    return 0


def cmd_generate(args) -> int:
    from rentan.parameters import load_parameters
    from rentan.synth import generate

    started = time.time()
    truth = generate(Path(args.out), seed=args.seed, people=args.people, params=load_parameters(args.params))
    rows = sum(f["rows"] for f in truth["files"].values())
    print(f"wrote {len(truth['files'])} files, {rows:,} rows for {args.people:,} people under {args.out} "
          f"in {time.time() - started:.1f}s (seed {args.seed})")
    return 0


def cmd_run(args) -> int:
    """Ingest, then transform, each through `airflow dags test`; non-zero if any task failed."""
    from rentan import airflow_runner, summary
    from rentan.migrate import migrate
    from rentan.parameters import load_parameters

    overrides = yaml.safe_load(Path(args.params).read_text()) or {} if args.params else {}
    load_parameters(overrides)  # an unknown parameter fails here, before anything runs
    url = warehouse_url()
    with connect(url) as conn:
        migrate(conn)
    started = time.time()
    steps = [("rentan_ingest", {"landing": str(Path(args.landing).resolve())}),
             ("rentan_transform", {"program_parameters": overrides})]
    for dag_id, conf in steps:
        print(f"running {dag_id} ...", flush=True)
        outcome = airflow_runner.test_dag(dag_id, conf, url)
        with connect(url) as conn:
            summary.print_dag_summary(conn, dag_id, since=started)
        if not outcome.success:
            print(f"\n{dag_id} FAILED. Errors:", *outcome.errors[-10:], f"Full Airflow log: {outcome.log_file}",
                  sep="\n  ", file=sys.stderr)
            return 1
    # The report DAG's task, called directly: Airflow 3.3.2's `dags test` exits 1 on any DAG
    # with a deadline alert even when every task succeeded (docs/decisions.md).
    print("running rentan_report ...", flush=True)
    return cmd_report(argparse.Namespace(period=None, out=str(reports_dir())))


def cmd_demo(args) -> int:
    """Generate the synthetic landing area (deterministic) and run the pipeline on it."""
    from rentan.pseudonym import create_demo_key

    create_demo_key()
    cmd_generate(argparse.Namespace(out=str(args.landing), seed=DEMO_SEED, people=args.people, params=None))
    return cmd_run(argparse.Namespace(landing=str(args.landing), params=None))


def cmd_report(args) -> int:
    """The finance office's workbook and PDF for one month, from the published marts."""
    from rentan.reports import build_report, latest_period, print_period_summary

    with connect() as conn:
        period = args.period or latest_period(conn)
        if period is None:
            print("rentan: no payment data is published yet", file=sys.stderr)
            return 1
        result = build_report(conn, period, Path(args.out))
        print_period_summary(conn, period)
    for path in result["paths"].values():
        print(f"  {path}")
    return 0


def cmd_export(args) -> int:
    from rentan.exports import export_registration

    with connect() as conn:
        rows = export_registration(conn, Path(args.out))
    print(f"wrote {rows:,} registration rows to {args.out}")
    return 0


def cmd_purge(args) -> int:
    from rentan.migrate import migrate
    from rentan.parameters import load_parameters
    from rentan.retention import purge

    try:
        before = dt.date.fromisoformat(args.before)
    except ValueError:
        raise ValueError(f"--before {args.before!r} is not a date: give YYYY-MM-DD, e.g. --before 2025-07-01") from None
    with connect() as conn:
        migrate(conn)
        result = purge(conn, before, load_parameters(), dry_run=args.dry_run)
    verb = "would purge" if args.dry_run else "purged"
    print(f"{verb} {len(result['purged_files'])} file(s): {result['raw_rows']:,} raw rows, "
          f"{result['quarantine_rows']:,} quarantined rows"
          + (" (dry run: nothing changed)" if args.dry_run else " (logged in meta.purge_log)"))
    for f in result["purged_files"]:  # file_name is feed/file as delivered
        print(f"  {verb} {f['file_name']} (snapshot {f['snapshot_date'] or '-'}, {f['status']}): "
              f"{f['raw_rows']:,} raw rows, {f['quarantine_rows']:,} quarantined rows")
    for f in result["kept_files"]:
        print(f"  kept {f['file_name']} (snapshot {f['snapshot_date'] or '-'}): {f['reason']}")
    return 0


def cmd_explain(args) -> int:
    """One person's whole story from the published version, read (and recorded) as a programme officer."""
    from rentan import explain

    nik = explain.normalize_nik(args.nik)
    with explain.connect_officer() as conn:
        try:
            story = explain.lookup(conn, nik)
        except explain.UnknownNik:
            print(explain.unknown_sentence(nik), file=sys.stderr)
            return 1
    print(explain.to_json(story) if args.json else explain.render(story))
    return 0


def cmd_status(args) -> int:
    from rentan.migrate import migrate
    from rentan.status import print_status

    with connect() as conn:
        migrate(conn)
        print_status(conn)
    return 0


def cmd_airflow(args) -> int:
    from rentan.local_airflow import serve

    return serve(warehouse_url(), port=args.port)


def cmd_bench(args) -> int:
    from rentan.bench import print_bench, run_bench

    print_bench(run_bench(args.people, Path(args.out)))
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
    run.set_defaults(func=cmd_run)

    demo = sub.add_parser("demo", help="generate synthetic data and run the whole pipeline on it")
    demo.add_argument("--landing", default=str(DEFAULT_LANDING))
    demo.add_argument("--people", type=int, default=40_000)
    demo.set_defaults(func=cmd_demo)

    report = sub.add_parser("report", help="the monthly reconciliation workbook and PDF for the finance office")
    report.add_argument("--period", help="YYYY-MM (default: the latest month with payment data)")
    report.add_argument("--out", default=str(reports_dir()), help="default: $RENTAN_REPORTS or .reports/")
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
    bench.set_defaults(func=cmd_bench)

    status = sub.add_parser("status", help="last runs, loads, quarantine, validation and publication in one screen")
    status.set_defaults(func=cmd_status)

    airflow = sub.add_parser("airflow", help="the Airflow UI on localhost, with the project's DAGs")
    airflow.add_argument("--port", type=int, default=8080)
    airflow.set_defaults(func=cmd_airflow)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (WarehouseError, FileNotFoundError, ValueError, psycopg.Error) as err:
        print(f"rentan: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
