"""Screen a file on the client while COPY streams it: which lines certainly pass every check.

The loader's checks are SQL (contracts.KIND_CHECKS over raw text), and running them over
every row of a 2.6 M-row file costs more than the COPY itself. Almost every line is in the
canonical form the providers write (16 digits, YYYY-MM-DD, one of the enum values...), and
a line whose every field is in that form passes every check for sure. So one regular
expression per file, built from the contract, sorts lines into "certainly clean" and
"suspect", and the exact SQL checks run on the suspects only: the quarantine (reasons,
columns, values) is the SQL's, unchanged. The unique-NIK rule needs every row's NIK: the
screen counts them too and hands over the NIKs that occur more than once.

The screen only ever answers for files it can number exactly as COPY does. It gives up
(returns None, and the loader checks every row in SQL as before) on anything unusual: a
record spanning lines (a quoted line break), a byte that is not UTF-8, a contract whose row
check it cannot vouch for, or a count of records that differs from COPY's.
"""

from __future__ import annotations

import operator
import os
import re
from collections import Counter
from dataclasses import dataclass
from itertools import compress, count

import numpy as np

from rentan.ingest.contracts import Column, Contract

SCREEN_CHUNK_BYTES = 4 << 20
# Beyond this many suspect lines (a file in some other format throughout), checking every row
# in SQL is as fast, and holding the lines would cost memory: the screen gives up.
MAX_SUSPECTS = 200_000
# A file this big is screened in one range per core, each in a process of its own.
PARALLEL_MIN_BYTES = 64 << 20

# meta.whitespace(): the characters meta.normalize_id drops.
_WHITESPACE = {ord(c): None for c in " \t\n\r\x0b\f\u00a0\u2007\u202f"}

# Canonical forms, each a subset of what its SQL check accepts (V002, V011). Digits are
# ASCII only; years 1800-2099 and days that exist in every year (29 February is left to SQL).
_YEAR = rb"(?:18|19|20)[0-9]{2}"
_DAY31, _DAY30, _DAY28 = rb"(?:0[1-9]|[12][0-9]|3[01])", rb"(?:0[1-9]|[12][0-9]|30)", rb"(?:0[1-9]|1[0-9]|2[0-8])"
_MONTH31, _MONTH30 = rb"(?:0[13578]|1[02])", rb"(?:0[469]|11)"
_MONTH_DAY = b"(?:" + _MONTH31 + b"-" + _DAY31 + b"|" + _MONTH30 + b"-" + _DAY30 + b"|02-" + _DAY28 + b")"
_DAY_MONTH = b"(?:" + _DAY31 + b"-" + _MONTH31 + b"|" + _DAY30 + b"-" + _MONTH30 + b"|" + _DAY28 + b"-02)"
_KIND_PATTERNS: dict[str, bytes] = {
    # province 11-94, day 01-31 or 41-71, month 01-12, serial not 0000 (meta.is_valid_nik)
    "nik": rb"(?:1[1-9]|[2-8][0-9]|9[0-4])[0-9]{4}(?:0[1-9]|[12][0-9]|3[01]|4[1-9]|[56][0-9]|7[01])"
    rb"(?:0[1-9]|1[0-2])[0-9]{2}(?!0000)[0-9]{4}",
    "digits10": rb"[0-9]{10}",
    "digits16": rb"[0-9]{16}",
    "date_ymd": _YEAR + rb"-" + _MONTH_DAY,
    "date_dmy": _DAY_MONTH + rb"-" + _YEAR,
    "integer": rb"-?[0-9]{1,18}",
    "decile": rb"(?:10|[1-9])",
    "amount": rb"-?[0-9]{1,12}",
}
# Free text: quoted without quotes or line breaks inside, or unquoted (COPY reads both the
# same). Atomic and possessive: a field is matched one way, never re-tried (a third faster;
# it can only turn lines into suspects, never vouch for more).
_TEXT = rb'(?>"[^"\r\n]*+"|[^,"\r\n]*+)'
# Present (meta.is_present): its first character is visible ASCII.
_PRESENT_TEXT = rb'(?>"[!#-~][^"\r\n]*+"|[!#-+\--~][^,"\r\n]*+)'


@dataclass(frozen=True)
class Screened:
    records: int  # data records, as COPY counts them
    suspects: list[int]  # line_no of every record that may fail a check, in order
    lines: list[bytes]  # the text of each, as delivered (one line each)
    duplicate_niks: list[str]  # normalised NIKs found more than once (unique-NIK contracts)
    size: int  # bytes screened, of a file that did not change meanwhile


def normalize_id(value: str | None) -> str | None:
    """meta.normalize_id: whitespace of every kind dropped, then leading apostrophes."""
    if value is None:
        return None
    return value.translate(_WHITESPACE).lstrip("'") or None


def csv_fields(record: str) -> list[str | None]:
    """The fields of one CSV record as COPY reads them: an unquoted empty field is null."""
    fields: list[str | None] = []
    buf: list[str] = []
    quoted = in_quote = False
    i, n = 0, len(record)
    while i < n:
        c = record[i]
        if in_quote:
            if c == '"':
                if i + 1 < n and record[i + 1] == '"':
                    buf.append('"')
                    i += 1
                else:
                    in_quote = False
            else:
                buf.append(c)
        elif c == '"':
            in_quote = quoted = True
        elif c == ",":
            fields.append("".join(buf) if buf or quoted else None)
            buf, quoted = [], False
        else:
            buf.append(c)
        i += 1
    fields.append("".join(buf) if buf or quoted else None)
    return fields


def _column_pattern(column: Column | None, narrowed: str | None) -> bytes | None:
    """The canonical form of one file column; None when there is none to vouch for."""
    if column is None:  # an extra column, ignored
        return _TEXT
    if column.kind == "text":
        base = _PRESENT_TEXT if column.required else _TEXT
    elif column.kind == "enum":
        base = b"(?:" + b"|".join(re.escape(v.encode()) for v in column.values) + b")"
    elif column.kind in _KIND_PATTERNS:
        base = b"(?:" + _KIND_PATTERNS[column.kind] + b")"
    else:
        return None
    if narrowed is not None:
        base = b"(?=(?:" + narrowed.encode() + b")(?:,|\r?$))" + base
    elif column.kind != "text" and not column.required:
        base = base + b"?"
    return base


def line_pattern(contract: Contract, targets: list[str]) -> re.Pattern | None:
    """`^(?:CLEAN$|.*)` per line; None when the screen cannot vouch for the contract.

    Its one group is the NIK of a clean line for a unique-NIK contract (every NIK is
    counted), else the text of a suspect line (a clean line costs no string).
    """
    narrowed: dict[str, str] = {}
    for row_check in contract.row_checks:
        if not row_check.clean:
            return None
        narrowed.update(dict(row_check.clean))
    if "nik" not in contract.required:
        return None
    fields = []
    for target in targets:
        column = contract.column(target) if not target.startswith("_extra_") else None
        pattern = _column_pattern(column, narrowed.get(target))
        if pattern is None:
            return None
        fields.append(b"(" + pattern + b")" if target == "nik" and contract.unique_nik else pattern)
    if any(name not in targets for name in narrowed):
        return None
    suspect = rb"[^\n]*" if contract.unique_nik else rb"([^\n]*)"
    return re.compile(rb"^(?:" + b",".join(fields) + rb"\r?$|" + suspect + rb")", re.MULTILINE)


@dataclass(frozen=True)
class Part:
    """What one worker found in its byte range of the file (records numbered from the range's start)."""

    stat: tuple[int, int]  # the file's size and modification time when the range was read
    size: int  # bytes read
    records: int
    suspects: dict[int, bytes]  # record: the line as delivered
    keys: bytes  # per record, its normalised NIK when 16 ASCII digits, else 16 zero bytes
    odd_keys: list[tuple[int, str]]  # (record, normalised NIK) of the other NIKs
    line_starts: np.ndarray | None  # per record, its offset in the file (unique-NIK contracts)


PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In a screen process: SIGKILL when the loading process dies, however it dies.

    A forked screen holds copies of the loader's sockets; left behind by a loader the OOM killer
    (or a lost worker) took, it would keep the load's sessions, and the `ingest` stage lock,
    open for good. Linux only, like the loader's fork.
    """
    import ctypes
    import signal

    parent = os.getppid()
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the loader died before the line above
        os.kill(os.getpid(), signal.SIGKILL)


def ranges(path: str, parts: int) -> list[tuple[int, int]]:
    """`parts` byte ranges of the file that start and end at line ends."""
    size = os.path.getsize(path)
    cuts = [0]
    with open(path, "rb") as f:
        for k in range(1, parts):
            f.seek(max(cuts[-1], size * k // parts))
            f.readline()
            cuts.append(max(cuts[-1], min(f.tell(), size)))
    cuts.append(size)
    return [(start, end) for start, end in zip(cuts, cuts[1:], strict=False) if end > start or start == 0]


def screen_file(
    path: str, contract: Contract, targets: list[str], chunk_bytes: int | None = None, parts: int = 1
) -> Screened | None:
    """Screen the file at `path`, whose header maps to `targets`; None when it cannot vouch for it."""
    found = [screen_range(path, contract, targets, start, end, chunk_bytes) for start, end in ranges(path, parts)]
    return combine(path, contract, found)


def screen_range(
    path: str, contract: Contract, targets: list[str], start: int, end: int, chunk_bytes: int | None = None
) -> Part | None:
    """Screen the lines of bytes [start, end) of the file (the header when start is 0)."""
    chunk_bytes = chunk_bytes or SCREEN_CHUNK_BYTES
    pattern = line_pattern(contract, targets)
    if pattern is None:
        return None
    nik_index = targets.index("nik")
    suspects: dict[int, bytes] = {}
    keys = bytearray()
    odd_keys: list[tuple[int, str]] = []
    line_starts: list[np.ndarray] = []
    records = 0
    size = start
    with open(path, "rb") as f:
        stat = os.fstat(f.fileno())
        f.seek(start)
        while size < end and (block := f.read(min(chunk_bytes, end - size))):
            if not block.endswith(b"\n"):
                block += f.readline()
            body_offset, size = size, size + len(block)
            if body_offset == 0:
                header_end = block.find(b"\n") + 1
                if header_end == 0 or block.count(b'"', 0, header_end) % 2:
                    return None
                block, body_offset = block[header_end:], header_end
                if not block:
                    continue
            if not block.endswith(b"\n") or block.startswith(b"\n") or b"\n\n" in block:
                return None  # an empty line: COPY refuses it
            body = block[:-1]
            found = pattern.findall(body)
            if len(found) != body.count(b"\n") + 1:
                return None
            if contract.unique_nik:
                starts = _line_starts(body)
                line_starts.append(starts + body_offset)
                suspect_lines = [(i, _line(body, starts, i)) for i in compress(count(), map(operator.not_, found))]
            else:
                suspect_lines = list(compress(enumerate(found), found))
            for i, line in suspect_lines:
                if line.count(b'"') % 2:
                    return None  # a record that spans lines: numbered by COPY, not by lines
                suspects[records + i] = line
                if len(suspects) > MAX_SUSPECTS:
                    return None
                if contract.unique_nik:
                    found[i] = _nik_key(line, nik_index, len(targets), records + i, odd_keys)
                    if found[i] is None:
                        return None
            if contract.unique_nik:
                keys += b"".join(found)
            records += len(found)
    starts_all = None
    if contract.unique_nik:
        starts_all = np.concatenate(line_starts) if line_starts else np.zeros(0, dtype=np.int64)
    return Part((stat.st_size, stat.st_mtime_ns), size - start, records, suspects, bytes(keys), odd_keys, starts_all)


def combine(path: str, contract: Contract, parts: list[Part | None]) -> Screened | None:
    """The file's screen from its ranges' (None if any range gave up or the file changed)."""
    if not parts or any(part is None for part in parts):
        return None
    with open(path, "rb") as f:
        now = os.fstat(f.fileno())
        if any(part.stat != (now.st_size, now.st_mtime_ns) for part in parts):
            return None
        if sum(part.size for part in parts) != now.st_size:
            return None
        suspects: dict[int, bytes] = {}
        odd_keys: list[tuple[int, str]] = []
        base = 0
        for part in parts:
            suspects.update((base + record + 2, line) for record, line in part.suspects.items())
            odd_keys += [(base + record, key) for record, key in part.odd_keys]
            base += part.records
        if len(suspects) > MAX_SUSPECTS:
            return None
        duplicates: list[str] = []
        if contract.unique_nik:
            duplicates, repeated = _duplicates(b"".join(part.keys for part in parts), odd_keys)
            offsets = np.concatenate([part.line_starts for part in parts])
            for record in repeated:
                if record + 2 not in suspects:
                    f.seek(int(offsets[record]))
                    suspects[record + 2] = f.readline().rstrip(b"\n")
    lines = sorted(suspects)
    return Screened(base, lines, [suspects[n] for n in lines], duplicates, now.st_size)


def _line_starts(body: bytes) -> np.ndarray:
    """The offset of each line of body."""
    return np.concatenate(([0], np.flatnonzero(np.frombuffer(body, dtype=np.uint8) == 10) + 1))


def _line(body: bytes, starts: np.ndarray, index: int) -> bytes:
    end = int(starts[index + 1]) - 1 if index + 1 < len(starts) else len(body)
    return body[int(starts[index]) : end]


def _nik_key(line: bytes, nik_index: int, width: int, record: int, odd_keys: list) -> bytes | None:
    """The 16-byte key of a suspect line's NIK, normalised as SQL does; None for text that is not UTF-8."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return None
    text = text[:-1] if text.endswith("\r") else text
    fields = csv_fields(text) if '"' in text else [field or None for field in text.split(",")]
    key = normalize_id(fields[nik_index]) if len(fields) == width else None
    if key is not None and len(key) == 16 and key.isascii() and key.isdigit():
        return key.encode()
    if key is not None:
        odd_keys.append((record, key))
    return bytes(16)


def _duplicates(keys: bytes, odd_keys: list[tuple[int, str]]) -> tuple[list[str], list[int]]:
    """(the NIKs found more than once, the records that carry them).

    Each 16-digit key is packed into one 64-bit number (4 bits a digit), so sorting and
    comparing 2.6 M of them is a few vector operations.
    """
    halves = np.frombuffer(keys, dtype=">u8").astype(np.uint64).reshape(-1, 2)
    packed = _pack_digits(halves[:, 0]) << np.uint64(32) | _pack_digits(halves[:, 1])
    packed[halves[:, 0] == 0] = 0  # the zero bytes of a NIK counted with the others
    ordered = np.sort(packed)
    repeated = np.unique(ordered[1:][(ordered[1:] == ordered[:-1]) & (ordered[1:] != 0)])
    duplicates = [f"{n:016x}" for n in repeated.tolist()]
    records: list[int] = []
    if len(repeated):
        at = np.minimum(np.searchsorted(repeated, packed), len(repeated) - 1)
        records = np.flatnonzero(repeated[at] == packed).tolist()
    counts = Counter(key for _, key in odd_keys)
    records += [record for record, key in odd_keys if counts[key] > 1]
    duplicates += sorted(key for key, n in counts.items() if n > 1)
    return duplicates, records


def _pack_digits(ascii8: np.ndarray) -> np.ndarray:
    """Eight ASCII digits in a big-endian uint64 as 32 bits of BCD (its hex form is the digits)."""
    x = ascii8 - np.uint64(0x3030303030303030)
    x = (x | (x >> np.uint64(4))) & np.uint64(0x00FF00FF00FF00FF)
    x = (x | (x >> np.uint64(8))) & np.uint64(0x0000FFFF0000FFFF)
    return (x | (x >> np.uint64(16))) & np.uint64(0x00000000FFFFFFFF)
