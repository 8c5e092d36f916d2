"""Load one landing file: COPY it into raw as text, quarantine the rows that fail, record it.

Everything about one file happens in one transaction, so a crash mid-file leaves
nothing. The file goes into a table of its own that becomes a partition of
raw.<feed> (created in the same transaction, so with wal_level=minimal the COPY
writes no WAL); checks are one set-based query over that partition. Header names,
file names and values never reach SQL as text: columns are the contract's names,
quoted by the driver, and everything else is a bound value.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import logging
import multiprocessing
import os
import re
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from psycopg import sql

from rentan import stopping
from rentan.ingest import checksums, screen
from rentan.ingest.checksums import CHUNK_BYTES
from rentan.ingest.contracts import CONTRACTS, DECILES, KIND_CHECKS, Contract
from rentan.ingest.landing import LandingFile
from rentan.ingest.screen import Screened
from rentan.parameters import load_parameters
from rentan.warehouse.raw_tables import partition_name

log = logging.getLogger(__name__)


class FileRejected(Exception):
    """The whole file is refused (bad name, header or CSV structure); nothing of it loads."""


@dataclass(frozen=True)
class HeaderMatch:
    targets: list[str]  # per file column: the contract column it fills, or an _extra_N placeholder
    warnings: list[str]


def read_header(path: str, label: str) -> list[str]:
    """The header's names (a BOM dropped); only the first line is read."""
    with open(path, "rb") as f:
        first = f.readline()
    if first.startswith(codecs.BOM_UTF8):
        first = first[len(codecs.BOM_UTF8) :]
    try:
        text = first.decode("utf-8")
    except UnicodeDecodeError as err:
        raise FileRejected(_not_utf8_message(label, 1, first[: err.start], first[err.start : err.end], [])) from None
    if "\r" in text.rstrip("\r\n") or (text.endswith("\r") and not text.endswith("\r\n")):
        raise FileRejected(
            f"{label}: line 1: a carriage return (CR) ends a line or stands in the header: extracts end lines "
            "with LF or CRLF; re-export the file"
        )
    try:
        return next(csv.reader([text]), [])
    except csv.Error as err:
        raise FileRejected(f"{label}: line 1: the header is not valid CSV ({err})") from None


def _not_utf8_message(label: str, line: int, before: bytes, bad: bytes, header: list[str]) -> str:
    """'file: line N, column C: byte 0x.. is not UTF-8', the column found from the text before it."""
    fields = next(csv.reader([before.decode("utf-8", errors="replace")]), [])
    position = max(1, len(fields))
    column = header[position - 1].strip() if position <= len(header) else str(position)
    return (
        f"{label}: line {line}, column {column}: byte {' '.join(f'0x{b:02x}' for b in bad)} is not UTF-8 "
        "(extracts are UTF-8; re-export the file as UTF-8)"
    )


def match_header(contract: Contract, header: list[str], label: str) -> HeaderMatch:
    """Map file columns to contract columns by name (trimmed, case-insensitive)."""
    names = [h.strip().lower() for h in header]
    known = {c.name for c in contract.columns}
    seen: set[str] = set()
    targets, warnings = [], []
    for position, name in enumerate(names, start=1):
        if name in known:
            if name in seen:
                raise FileRejected(f"{label}: line 1, column {position}: column {name!r} appears twice")
            seen.add(name)
            targets.append(name)
        else:
            targets.append(f"_extra_{position}")
            warnings.append(f"{label}: line 1, column {position}: unknown column {header[position - 1]!r} ignored")
    missing = [c for c in contract.required if c not in seen]
    if missing:
        names = ", ".join(repr(m) for m in missing)
        raise FileRejected(f"{label}: line 1: required column{'s' if len(missing) > 1 else ''} {names} missing")
    return HeaderMatch(targets, warnings)


def _outside_programme_year(contract: Contract, snapshot, label: str) -> list[str]:
    """A warning for a monthly file of a period outside the programme year: loaded, never a report's month."""
    year = load_parameters()["program_year"]
    if not contract.monthly or snapshot.year == year:
        return []
    return [
        f"{label}: period {snapshot:%Y-%m} is outside the programme year {year}: loaded, and held back "
        "(it is never the reports' latest month); check the file's name and periode"
    ]


def _fill(template: str, contract: Contract, file_period: str | None) -> sql.Composable:
    """Put quoted identifiers and literals into a check template from the contract."""
    parts = re.split(r"(\{[a-z_]+\})", template)
    out: list[sql.Composable] = []
    for part in parts:
        token = part[1:-1] if part.startswith("{") and part.endswith("}") else None
        if token == "file_period":
            out.append(sql.Literal(file_period))
        elif token is not None and token in {c.name for c in contract.columns}:
            out.append(sql.Identifier(token))
        else:
            out.append(sql.SQL(part))
    return sql.Composed(out)


def failure_checks(
    contract: Contract, file_period: str | None, duplicates: sql.Identifier | None = None
) -> list[tuple]:
    """(label 'REASON:column', SQL true when the row fails) for every check of the contract.

    `duplicates` is a table of the NIKs that occur more than once in the file, for the
    contract's unique-NIK rule.
    """
    checks = []
    for column in contract.columns:
        ident = sql.Identifier(column.name)
        present = sql.SQL("meta.is_present({})").format(ident)
        if column.required:
            checks.append((f"MISSING_VALUE:{column.name}", sql.SQL("not ({})").format(present)))
        for reason, template in KIND_CHECKS[column.kind]:
            template = template.replace("{values}", ", ".join("'" + v + "'" for v in column.values)).replace(
                "{deciles}", ", ".join("'" + d + "'" for d in DECILES)
            )
            fails = _fill(template.replace("{column}", "{" + column.name + "}"), contract, file_period)
            # An unknown outcome (null) on a present value counts as a failure.
            checks.append((f"{reason}:{column.name}", sql.SQL("({} and coalesce({}, true))").format(present, fails)))
    for row_check in contract.row_checks:
        checks.append(
            (
                f"{row_check.reason}:{row_check.column}",
                sql.SQL("coalesce({}, false)").format(_fill(row_check.sql, contract, file_period)),
            )
        )
    if duplicates is not None:
        checks.append(
            ("DUPLICATE_NIK:nik", sql.SQL("meta.normalize_id(nik) in (select nik from {})").format(duplicates))
        )
    return checks


def quarantine(
    conn: psycopg.Connection,
    contract: Contract,
    batch_id: int,
    targets: list[str],
    file_period: str | None,
    screened: Screened | None = None,
) -> int:
    """Quarantine the rows of a batch that fail a check; return how many.

    With a client-side screen (screen.py), the checks run on its suspect lines only: COPY
    reads them again, as delivered, into a small table, and the unique-NIK rule uses the
    NIKs the screen found more than once. Without one, every row is checked, in two passes:
    a parallel scan finds the failing lines with a chain of cheap booleans that good rows
    pass, then the reasons and raw text are built for those few lines only. (INSERT ...
    SELECT never runs in parallel; CREATE TABLE AS does.)
    """
    table = partition_name(contract.feed, batch_id)
    file_columns = [t for t in targets if not t.startswith("_extra_")]
    duplicates = None
    if contract.unique_nik:
        duplicates = sql.Identifier("raw", f"{contract.feed}_b{batch_id}_duplicate_nik")
        if screened is not None:
            conn.execute(sql.SQL("create table {} (nik text)").format(duplicates))
            with conn.cursor() as cur, cur.copy(sql.SQL("copy {} from stdin").format(duplicates)) as copy:
                for nik in screened.duplicate_niks:
                    copy.write_row((nik,))
        else:
            # One hash of all NIKs in work_mem is faster here than a parallel plan's partial
            # hashes, sorts and merge (2.5 s vs 5 s for 2.6 M NIKs).
            conn.execute("set local max_parallel_workers_per_gather = 0")
            conn.execute(
                sql.SQL("""create table {} as select meta.normalize_id(nik) as nik from {}
                                    group by 1 having count(*) > 1""").format(duplicates, table)
            )
            conn.execute("reset max_parallel_workers_per_gather")
    checks = failure_checks(contract, file_period, duplicates)
    if screened is not None:
        rows = _suspect_rows(conn, table, targets, screened)
    else:
        conn.execute(
            sql.SQL("create temp table failing_lines on commit drop as select line_no from {} where {}").format(
                table, sql.SQL(" or ").join(fails for _, fails in checks)
            )
        )
        conn.execute("analyze failing_lines")
        rows = sql.SQL("(select r.* from {} r join failing_lines using (line_no))").format(table)
    raw_line = sql.SQL(", ").join(sql.SQL("meta.csv_field({})").format(sql.Identifier(c)) for c in file_columns)
    labels = sql.SQL(", ").join(
        sql.SQL("case when {} then {} end").format(fails, sql.Literal(label)) for label, fails in checks
    )
    quarantined = conn.execute(
        sql.SQL("""
        insert into meta.quarantine (batch_id, line_no, reason_code, column_name, failures, raw_line)
        select {batch}, line_no, split_part(failures[1], ':', 1), split_part(failures[1], ':', 2),
               array_to_string(failures, ', '), raw_line
        from (select line_no, array_remove(array[{labels}]::text[], null) as failures,
                     concat_ws(',', {raw_line}) as raw_line
              from {rows} suspect offset 0) failing
        where cardinality(failures) > 0""").format(
            batch=sql.Literal(batch_id), labels=labels, raw_line=raw_line, rows=rows
        )
    ).rowcount
    conn.execute("drop table if exists failing_lines, suspect_rows")
    if duplicates is not None:
        conn.execute(sql.SQL("drop table {}").format(duplicates))
    return quarantined


# Plausibility (parameters max_household_rows, max_payment_lines_per_nik), with a warning giving
# the numbers. A household that cannot be true is quarantined whole: its size would move its
# members up the ranking. Payment lines are money that moved: they are only warned about, and
# reconciled (a NIK paid twice is the DUPLICATE category, for the finance office to act on).
PLAUSIBILITY = {
    "dtsen": ("id_keluarga", "meta.normalize_text", "max_household_rows", "HOUSEHOLD_TOO_LARGE", "household"),
    "bpjs_iuran": ("nik", "meta.normalize_id", "max_payment_lines_per_nik", None, "NIK"),
}
PLAUSIBILITY_SHOWN = 5


def _quarantine_implausible(conn, contract: Contract, batch_id: int, header: HeaderMatch, label: str) -> int:
    """Quarantine the rows of groups larger than their parameter allows; add a warning per file; return how many."""
    if contract.feed not in PLAUSIBILITY:
        return 0
    column, normalise, parameter, reason, what = PLAUSIBILITY[contract.feed]
    limit = load_parameters()[parameter]
    table = partition_name(contract.feed, batch_id)
    key = sql.SQL("{}({})").format(sql.SQL(normalise), sql.Identifier(column))
    big = conn.execute(
        sql.SQL("select {key}, count(*) from {table} group by 1 having count(*) > %s order by 2 desc, 1").format(
            key=key, table=table
        ),
        (limit,),
    ).fetchall()
    if not big:
        return 0
    shown = ", ".join(f"{what} {k} has {n:,} rows" for k, n in big[:PLAUSIBILITY_SHOWN])
    more = f" and {len(big) - PLAUSIBILITY_SHOWN} more" if len(big) > PLAUSIBILITY_SHOWN else ""
    if reason is None:
        header.warnings.append(f"{label}: {shown}{more}: more than {parameter} {limit}; loaded, check them")
        return 0
    raw_line = sql.SQL(", ").join(
        sql.SQL("meta.csv_field({})").format(sql.Identifier(c)) for c in header.targets if not c.startswith("_extra_")
    )
    rows = conn.execute(
        sql.SQL("""
        insert into meta.quarantine (batch_id, line_no, reason_code, column_name, failures, raw_line)
        select {batch}, r.line_no, {reason}, {column}, {failure}, concat_ws(',', {raw_line})
        from {table} as r
        where {key} = any(%s)
          and not exists (select from meta.quarantine as q where q.batch_id = {batch} and q.line_no = r.line_no)
        """).format(
            batch=sql.Literal(batch_id),
            reason=sql.Literal(reason),
            column=sql.Literal(column),
            failure=sql.Literal(f"{reason}:{column}"),
            raw_line=raw_line,
            table=table,
            key=key,
        ),
        ([k for k, _ in big],),
    ).rowcount
    header.warnings.append(
        f"{label}: {shown}{more}: more than {parameter} {limit}; their {rows:,} rows are quarantined ({reason})"
    )
    return rows


def _suspect_rows(conn: psycopg.Connection, table: sql.Identifier, targets: list[str], screened: Screened):
    """The screen's suspect lines in a table shaped as the batch's, read by COPY as the file was."""
    extras = [t for t in targets if t.startswith("_extra_")]
    conn.execute(sql.SQL("create temp table suspect_rows on commit drop as select * from {} limit 0").format(table))
    for extra in extras:
        conn.execute(sql.SQL("alter table suspect_rows add column {} text").format(sql.Identifier(extra)))
    columns = sql.SQL(", ").join(sql.Identifier(t) for t in ["line_no", *targets])
    with conn.cursor() as cur:
        with cur.copy(
            sql.SQL("copy suspect_rows ({}) from stdin (format csv, encoding 'UTF8')").format(columns)
        ) as copy:
            for line_no, line in zip(screened.suspects, screened.lines, strict=True):
                copy.write(b"%d,%s\n" % (line_no, line))
    return sql.Identifier("suspect_rows")


def _copy_error_message(label: str, err: psycopg.Error) -> str:
    """'file: line N, column C: what went wrong', from PostgreSQL's COPY error context."""
    context = err.diag.context or ""
    where = re.search(r"line (\d+)(?:, column (\w+))?", context)
    place = ""
    if where:
        place = f"line {where.group(1)}" + (f", column {where.group(2)}" if where.group(2) else "")
    return f"{label}: {place + ': ' if place else ''}{err.diag.message_primary or err}"


def _locate_copy_error(path: str, label: str, header: list[str], err: psycopg.Error) -> str:
    """The COPY error with the line where the fault really is, found by reading the file again.

    PostgreSQL converts encodings a block at a time, so it reports a bad byte at the first
    line of its block, and an unterminated quote at the end of the file. Only a failed file
    is read again, so a good file costs nothing.
    """
    if isinstance(err, psycopg.errors.CharacterNotInRepertoire | psycopg.errors.UntranslatableCharacter):
        found = _first_byte_not_utf8(path)
        if found:
            return _not_utf8_message(label, *found, header)
    elif "unterminated CSV quoted field" in (err.diag.message_primary or ""):
        found = _unterminated_quote(path, header)
        if found:
            line, column = found
            return f"{label}: line {line}, column {column}: a quoted value opens here and is never closed"
    return _copy_error_message(label, err)


def _first_byte_not_utf8(path: str) -> tuple[int, bytes, bytes] | None:
    """(line, the line's bytes before the fault, the offending bytes) of the first byte that is not UTF-8."""
    line = 1
    with open(path, "rb") as f:
        while block := f.read(CHUNK_BYTES):
            block += f.readline()  # whole lines: no character is cut in two
            try:
                block.decode("utf-8")
            except UnicodeDecodeError as err:
                before = block[: err.start]
                return (line + before.count(b"\n"), before[before.rfind(b"\n") + 1 :], block[err.start : err.end])
            line += block.count(b"\n")
    return None


def _unterminated_quote(path: str, header: list[str]) -> tuple[int, str] | None:
    """(line, column) where the quoted value that runs to the end of the file starts."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f, strict=True)
        start = 1
        try:
            for _ in reader:
                start = reader.line_num + 1
        except UnicodeDecodeError:
            return None
        except csv.Error:
            f.seek(0)
            for number, text in enumerate(f, start=1):
                if number == start:
                    position = max(1, len(next(csv.reader([text]), [])))
                    return start, header[position - 1].strip() if position <= len(header) else str(position)
    return None


def _reject_if_cut_short(path: str, label: str) -> None:
    """A file whose last line has no line end was cut inside its last record (a copy in progress)."""
    with open(path, "rb") as f:
        f.seek(0, 2)
        if f.tell() == 0:
            return
        f.seek(-1, 2)
        if f.read(1) == b"\n":
            return
        f.seek(0)
        lines = 1 + sum(block.count(b"\n") for block in iter(lambda: f.read(CHUNK_BYTES), b""))
    raise FileRejected(
        f"{label}: line {lines}: the last record is cut short (no line end at the end of the "
        "file): the file is incomplete; it will be tried again when it is complete"
    )


def load_file(conn: psycopg.Connection, landing_file: LandingFile, run_id: str | None = None) -> dict:
    """Load one file in one transaction; record a rejection in the manifest and re-raise it."""
    contract = CONTRACTS[landing_file.feed]
    started = time.time()
    try:
        if landing_file.problem:
            raise FileRejected(f"{landing_file.name}: {landing_file.problem}")
        return _load(conn, contract, landing_file, run_id, started)
    except FileRejected as rejected:
        _record_rejection(conn, landing_file, contract, str(rejected), run_id, started)
        raise
    except (OSError, csv.Error, UnicodeError) as err:  # anything else about this one file: it alone is rejected
        message = f"{landing_file.name}: {err.strerror if isinstance(err, OSError) and err.strerror else err}"
        _record_rejection(conn, landing_file, contract, message, run_id, started)
        raise FileRejected(message) from None


def _load(conn: psycopg.Connection, contract: Contract, lf: LandingFile, run_id: str | None, started: float) -> dict:
    label = lf.name
    snapshot = contract.snapshot_date(_own_name(lf))
    if snapshot is None:
        raise FileRejected(f"{label}: file name does not match {contract.file_pattern} (a valid date)")
    names = read_header(lf.path, label)
    header = match_header(contract, names, label)
    _reject_if_cut_short(lf.path, label)
    file_period = snapshot.strftime("%Y-%m") if contract.monthly else None
    header = HeaderMatch(header.targets, header.warnings + _outside_programme_year(contract, snapshot, label))
    parent = sql.Identifier("raw", contract.feed)
    try:
        with conn.transaction():
            # Room to hash a city's NIKs in memory (the duplicate check) without spilling to disk.
            conn.execute("set local work_mem = '512MB'")
            # One load per feed at a time: re-deliveries of a snapshot must not race.
            conn.execute("select pg_advisory_xact_lock(hashtext(%s))", (f"rentan.load.{contract.feed}",))
            batch_id = conn.execute(
                """insert into meta.load_manifest (feed, file_name, file_path, checksum, snapshot_date,
                       status, run_id, started_at, warnings)
                   values (%s, %s, %s, %s, %s, 'LOADED', %s, to_timestamp(%s), %s) returning batch_id""",
                (contract.feed, lf.name, lf.path, lf.checksum, snapshot, run_id, started, header.warnings),
            ).fetchone()[0]
            table = partition_name(contract.feed, batch_id)
            extras = [t for t in header.targets if t.startswith("_extra_")]
            conn.execute(sql.SQL("create table {} (like {})").format(table, parent))
            conn.execute(
                sql.SQL(
                    "alter table {t} alter batch_id set default {b}, add check (batch_id = {b}), "
                    "alter line_no add generated always as identity (start with 2 cache 10000){extras}"
                ).format(
                    t=table,
                    b=sql.Literal(batch_id),
                    extras=sql.SQL("").join(sql.SQL(", add column {} text").format(sql.Identifier(e)) for e in extras),
                )
            )
            with _screening(lf.path, contract, header.targets) as screening:
                rows_read = _copy_file(conn, table, header.targets, lf, label)
                screened = _screened(screening, rows_read, lf.size)
            conn.execute(
                sql.SQL("alter table {} alter line_no drop identity, alter batch_id drop default{}").format(
                    table, sql.SQL("").join(sql.SQL(", drop column {}").format(sql.Identifier(e)) for e in extras)
                )
            )
            conn.execute(
                sql.SQL("alter table {} attach partition {} for values in ({})").format(
                    parent, table, sql.Literal(batch_id)
                )
            )
            quarantined = quarantine(conn, contract, batch_id, header.targets, file_period, screened)
            quarantined += _quarantine_implausible(conn, contract, batch_id, header, label)
            rows_checked = rows_read if screened is None else len(screened.suspects)
            amounts = _amount_totals(conn, contract, table, batch_id)
            replaced = _replace_earlier_snapshot(conn, contract.feed, snapshot, batch_id)
            seconds = round(time.time() - started, 3)
            conn.execute(
                """update meta.load_manifest set rows_read = %s, rows_loaded = %s, rows_quarantined = %s,
                       rows_checked = %s, amount_total_idr = %s, amount_loaded_idr = %s, amount_quarantined_idr = %s,
                       amount_unparsed_rows = %s, finished_at = clock_timestamp(), seconds = %s, warnings = %s
                   where batch_id = %s""",
                (
                    rows_read,
                    rows_read - quarantined,
                    quarantined,
                    rows_checked,
                    *amounts,
                    seconds,
                    header.warnings,
                    batch_id,
                ),
            )
            by_reason = dict(
                conn.execute(
                    "select reason_code, count(*) from meta.quarantine where batch_id = %s group by 1 order by 1",
                    (batch_id,),
                ).fetchall()
            )
    except psycopg.errors.DataError as err:
        # Structural CSV errors (ragged rows, bad quoting, bad encoding) surface from COPY.
        raise FileRejected(_locate_copy_error(lf.path, label, names, err)) from None
    return {
        "feed": contract.feed,
        "file": lf.name,
        "batch_id": batch_id,
        "status": "LOADED",
        "snapshot_date": snapshot.isoformat(),
        "rows_read": rows_read,
        "rows_loaded": rows_read - quarantined,
        "rows_quarantined": quarantined,
        "rows_checked": rows_checked,
        "quarantined_by_reason": by_reason,
        "replaced_batches": replaced,
        "warnings": header.warnings,
        "seconds": seconds,
    }


@contextmanager
def _screening(path: str, contract: Contract, targets: list[str]):
    """The client-side screen of the file, running in processes of its own while COPY streams.

    Processes, not threads: the screen is CPU work that holds the GIL, and COPY must not wait
    for it. A big file is split into one range per core. Where a process cannot be started,
    a thread screens the whole file.
    """
    parts = (os.cpu_count() or 1) if os.path.getsize(path) >= screen.PARALLEL_MIN_BYTES else 1
    try:
        executor = ProcessPoolExecutor(
            max_workers=parts, mp_context=multiprocessing.get_context("fork"), initializer=stopping.die_with_parent
        )
        futures = [
            executor.submit(screen.screen_range, path, contract, targets, start, end)
            for start, end in screen.ranges(path, parts)
        ]
    except (AssertionError, OSError, RuntimeError) as err:
        log.info("screening %s in a thread: no process (%s)", path, err)
        executor = ThreadPoolExecutor(max_workers=1)
        futures = [executor.submit(screen.screen_range, path, contract, targets, 0, os.path.getsize(path))]
    try:
        yield lambda: screen.combine(path, contract, [future.result() for future in futures])
    finally:
        for future in futures:
            future.cancel()
        executor.shutdown(wait=True, cancel_futures=True)


def _screened(screening, rows_read: int, size: int) -> Screened | None:
    """The screen's verdict when it vouches for the file COPY read (same size, same records), else None.

    COPY's bytes are checked against the file's checksum (_copy_file); the screen read the
    same, unchanged file (its size and modification time did not change).
    """
    try:
        screened = screening()
    except Exception:  # noqa: BLE001 - the screen is an optimisation: every row is checked in SQL instead
        log.warning("the screen failed; every row is checked in SQL", exc_info=True)
        return None
    if screened is None or screened.records != rows_read or screened.size != size:
        return None
    return screened


def _copy_file(conn: psycopg.Connection, table: sql.Identifier, targets: list[str], lf: LandingFile, label: str) -> int:
    """Stream the file into COPY, checking on the way that it is the file that was scanned."""
    digest = hashlib.sha256()
    columns = sql.SQL(", ").join(sql.Identifier(t) for t in targets)
    with conn.cursor() as cur:
        # FREEZE: the table is new in this transaction, so its rows can be written frozen, with
        # their hint bits set: the check pass then reads the pages without dirtying them again.
        with cur.copy(
            sql.SQL("copy {} ({}) from stdin (format csv, header true, encoding 'UTF8', freeze true)").format(
                table, columns
            )
        ) as copy:
            with open(lf.path, "rb") as f:
                first = True
                while chunk := f.read(CHUNK_BYTES):
                    digest.update(chunk)
                    if first and chunk.startswith(codecs.BOM_UTF8):
                        chunk = chunk[len(codecs.BOM_UTF8) :]
                    first = False
                    copy.write(chunk)
        rows = cur.rowcount
    if digest.hexdigest() != lf.checksum:
        raise FileRejected(
            f"{label}: its bytes are not those the scan checksummed (it changed while it was being loaded, or "
            "since its checksum was recorded); nothing of it was loaded: it is hashed again and tried on the next run"
        )
    return rows


def _amount_totals(conn, contract: Contract, table: sql.Identifier, batch_id: int) -> tuple:
    """Rupiah control totals: file = loaded + quarantined, over every amount that is an integer of any length
    (numeric: a 13-digit amount is quarantined, never left out); the rows whose amount is not an integer."""
    if contract.amount_column is None:
        return (None, None, None, None)
    return conn.execute(
        sql.SQL("""
        select coalesce(sum(amount), 0),
               coalesce(sum(amount) filter (where q.line_no is null), 0),
               coalesce(sum(amount) filter (where q.line_no is not null), 0),
               count(*) filter (where amount is null)
        from (select line_no, meta.integer_amount({column}) as amount from {table}) r
        left join meta.quarantine q on q.batch_id = {batch} and q.line_no = r.line_no""").format(
            column=sql.Identifier(contract.amount_column), table=table, batch=sql.Literal(batch_id)
        )
    ).fetchone()


def _replace_earlier_snapshot(conn, feed: str, snapshot, batch_id: int) -> list[int]:
    """A corrected re-delivery replaces the rows of the same snapshot; the manifest keeps both."""
    older = [
        row[0]
        for row in conn.execute(
            """select batch_id from meta.load_manifest
           where feed = %s and snapshot_date = %s and status = 'LOADED' and batch_id <> %s""",
            (feed, snapshot, batch_id),
        )
    ]
    for old in older:
        conn.execute(sql.SQL("drop table if exists {}").format(partition_name(feed, old)))
        conn.execute(
            "update meta.load_manifest set status = 'REPLACED', replaced_by = %s where batch_id = %s", (batch_id, old)
        )
    return older


def _own_name(lf: LandingFile) -> str:
    """The file's name as delivered (a symbolic link's own name, not its target's)."""
    return lf.name.rsplit("/", 1)[-1]


def _record_rejection(conn, lf: LandingFile, contract: Contract, error: str, run_id, started: float) -> None:
    """The rejection in the manifest; the file is hashed again on the next scan (its checksum may be the cause)."""
    with conn.transaction():
        checksums.forget(conn, lf.path)
        conn.execute(
            """insert into meta.load_manifest (feed, file_name, file_path, checksum, snapshot_date, status,
                   error, run_id, started_at, finished_at, seconds)
               values (%s, %s, %s, %s, %s, 'REJECTED', %s, %s, to_timestamp(%s), clock_timestamp(), %s)""",
            (
                lf.feed,
                lf.name,
                lf.path,
                lf.checksum,
                contract.snapshot_date(_own_name(lf)),
                error,
                run_id,
                started,
                round(time.time() - started, 3),
            ),
        )
