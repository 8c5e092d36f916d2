"""The providers, played: a generated landing area delivered month by month into a live one.

`schedule` cuts a landing area written by `rentan generate` into the deliveries of the
programme year: first the selection snapshots (DTSEN, Dukcapil, the BPJS membership check
before coverage), then per month Dukcapil's and BPJS's month-end snapshots and the month's
payment file. `deliver` writes one file the way a provider does: whole at once, slowly (in
pieces, a few seconds apart), or followed by a `.sha256` sidecar (as `sha256sum` writes it);
`break_file` makes the faulty first delivery of a file (a required column left out).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

_DATE = re.compile(r"_(\d{4})(\d{2})(\d{2})?\.csv$")


@dataclass(frozen=True)
class Delivery:
    month: str  # YYYY-MM: the month the files belong to (the selection: its last month)
    files: tuple[str, ...]  # feed/name, relative to the landing area


def schedule(generated: Path, months: int | None = None) -> list[Delivery]:
    """The selection's files, then `months` months (all when None), in delivery order."""
    by_month: dict[str, list[str]] = {}
    for path in sorted(generated.glob("*/*.csv")):
        match = _DATE.search(path.name)
        if match:
            by_month.setdefault(f"{match[1]}-{match[2]}", []).append(f"{path.parent.name}/{path.name}")
    payment_months = sorted(m for m, files in by_month.items() if any(f.startswith("bpjs_iuran/") for f in files))
    first = payment_months[0] if payment_months else max(by_month)
    selection = tuple(f for m in sorted(by_month) if m < first for f in by_month[m])
    deliveries = [Delivery(max(m for m in by_month if m < first), selection)] if selection else []
    deliveries += [Delivery(m, tuple(by_month[m])) for m in payment_months]
    return deliveries[: None if months is None else months + 1]


def deliver(source: Path, landing: Path, name: str, how: str = "whole", pieces: int = 4, pause: float = 1.5) -> float:
    """Write `source` as landing/`name` the way `how` says; return the time.time() it was complete.

    whole: at once. slowly: in `pieces` pieces `pause` seconds apart (no sidecar: the loader's
    settle time must see it finished). sidecar: slowly, then `<name>.sha256`.
    """
    target = landing / name
    target.parent.mkdir(parents=True, exist_ok=True)
    if how == "whole":
        shutil.copyfile(source, target)
        return time.time()
    data = source.read_bytes()
    size = -(-len(data) // pieces)
    with target.open("wb") as f:
        for start in range(0, len(data), size):
            f.write(data[start : start + size])
            f.flush()
            if start + size < len(data):
                time.sleep(pause)
    if how == "sidecar":
        digest = hashlib.sha256(data).hexdigest()
        target.with_name(target.name + ".sha256").write_text(f"{digest}  {target.name}\n")
    elif how != "slowly":
        raise ValueError(f"unknown way to deliver: {how}")
    return time.time()


def break_file(source: Path, target: Path, column: str) -> None:
    """A copy of `source` without `column` (header and values): a delivery the loader must reject."""
    text = source.read_bytes().decode("utf-8")
    newline = "\r\n" if "\r\n" in text else "\n"
    rows = list(csv.reader(io.StringIO(text)))
    index = [c.strip().lstrip("\ufeff").lower() for c in rows[0]].index(column)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    for row in rows:
        writer.writerow(row[:index] + row[index + 1 :])
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(out.getvalue().encode("utf-8"))
