"""The warehouse's one vocabulary, as the report and `rentan explain` read it.

Every code the warehouse emits (reconciliation category, eligibility reason, enrollment status,
binding constraint, quarantine reason, age band...) has its Bahasa Indonesia label, a
one-sentence meaning and what to do about it in one table: the dbt seed `codes`, published
with this version's parameters filled in as `ops.vocabulary`. Nothing in Python holds a label
of its own; the calendar's month names, needed before any warehouse is reachable, are read
from the same seed file.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

import psycopg
from psycopg.rows import dict_row

from rentan.paths import SEEDS_DIR

SEED_FILE = SEEDS_DIR / "codes.csv"
QUERY = "select domain, code, sort_order, label, meaning, action from ops.vocabulary order by domain, sort_order"


@dataclass(frozen=True)
class Entry:
    domain: str
    code: str
    sort_order: int
    label: str
    meaning: str
    action: str


class Vocabulary:
    """Look up a code's label, meaning and action by (domain, code).

    A code without an entry reads as itself: nothing is lost, and the dbt test
    `vocabulary_covers_every_code` fails the build that emits it.
    """

    def __init__(self, entries: list[Entry]):
        self._entries = {(e.domain, e.code): e for e in entries}

    def entry(self, domain: str, code) -> Entry | None:
        return None if code is None else self._entries.get((domain, str(code)))

    def label(self, domain: str, code) -> str:
        entry = self.entry(domain, code)
        return entry.label if entry else ("-" if code is None else str(code))

    def meaning(self, domain: str, code) -> str:
        entry = self.entry(domain, code)
        return entry.meaning if entry else ""

    def action(self, domain: str, code) -> str:
        entry = self.entry(domain, code)
        return entry.action if entry else ""

    def domain(self, domain: str) -> list[Entry]:
        """Every entry of a domain, in its order."""
        return sorted((e for e in self._entries.values() if e.domain == domain), key=lambda e: e.sort_order)


def load(conn: psycopg.Connection) -> Vocabulary:
    """ops.vocabulary of the published version (parameters filled in)."""
    with conn.cursor(row_factory=dict_row) as cur:
        return from_rows(cur.execute(QUERY).fetchall())


def from_rows(rows: list[dict]) -> Vocabulary:
    """A vocabulary from rows of ops.vocabulary (as an officer reads them, through officer.read)."""
    fields = Entry.__dataclass_fields__
    return Vocabulary([Entry(**{k: v for k, v in row.items() if k in fields}) for row in rows])


@cache
def seed() -> Vocabulary:
    """The seed file as committed (placeholders unfilled): for what needs no warehouse, the months."""
    with SEED_FILE.open(newline="", encoding="utf-8") as f:
        return Vocabulary([Entry(**{**row, "sort_order": int(row["sort_order"])}) for row in csv.DictReader(f)])


def month_names(short: bool = False) -> tuple[str, ...]:
    """'Januari'..'Desember' (or 'Jan'..'Des'), from the vocabulary's month domains."""
    return tuple(e.label for e in seed().domain("month_short" if short else "month"))
