"""The rulebook's oracle: an independent implementation of program-rules.md and extracts.md.

rentan_dev.synth writes a landing area; the truth it returns (who is eligible, ranked,
quarantined, paid, unpaid) comes from here, re-parsing every row as written (normalisation and
quarantine included), not from what the generator meant to inject. Nothing here imports the
generator or rentan's rules: it is the second opinion the warehouse is tested against.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
from collections import Counter
from typing import Protocol


class Programme(Protocol):
    """What the rules read of a synthetic programme (rentan_dev.synth.World is one)."""

    params: dict
    money: dict
    kode_kota: str
    payer: str
    informal_set: frozenset[str] | set[str]
    max_desil: int
    coverage_start: dt.date
    selection_date: dt.date


class Enrolled(Protocol):
    """A participant as reconciliation reads one (rentan_dev.synth.Participant is one)."""

    nik: str
    enrolled: int  # the index of the first covered period


CATEGORIES = (
    "PAID_AFTER_DEATH",
    "NOT_A_PARTICIPANT",
    "UNPAID",
    "DUPLICATE",
    "UNDERPAID",
    "OVERPAID",
    "LATE",
    "MATCHED",
)
REASONS = (
    "NOT_IN_DUKCAPIL",
    "DECEASED",
    "NOT_BEKASI_RESIDENT",
    "AGE_OUT_OF_RANGE",
    "NOT_INFORMAL_WORKER",
    "DESIL_ABOVE_MAX",
    "ALREADY_COVERED",
)

_ISO = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_DMY = re.compile(r"\d{2}-\d{2}-\d{4}", re.ASCII)
_PERIOD = re.compile(r"\d{4}-\d{2}", re.ASCII)
INTEGER = re.compile(r"-?\d+", re.ASCII)
_THOUSANDS = re.compile(r"-?\d{1,3}(?:[.,]\d{3})+", re.ASCII)


# === calendar and premiums (program-rules.md sections 1-2) =====================================
def month_add(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + n
    return index // 12, index % 12 + 1


def month_list(first: str, last: str) -> list[tuple[int, int]]:
    """Months from first to last inclusive ("YYYY-MM" texts)."""
    y, m = (int(x) for x in first.split("-"))
    end = tuple(int(x) for x in last.split("-"))
    months = []
    while (y, m) <= end:
        months.append((y, m))
        y, m = month_add(y, m, 1)
    return months


def month_end(year: int, month: int) -> dt.date:
    y, m = month_add(year, month, 1)
    return dt.date(y, m, 1) - dt.timedelta(days=1)


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def premium_arithmetic(params: dict) -> dict:
    """program-rules.md sections 1-2, from the parameters only."""
    jkk = round(params["jkk_rate"] * params["declared_income_idr"])
    monthly = jkk + int(params["jkm_monthly_idr"])
    months = len(month_list(params["coverage_start_month"], params["coverage_end_month"]))
    annual = monthly * months
    by_budget = int(params["budget_idr"]) // annual
    quota = int(params["quota"])
    return {
        "jkk_idr": jkk,
        "monthly_premium_idr": monthly,
        "months_covered": months,
        "annual_premium_idr": annual,
        "capacity_by_budget": by_budget,
        "capacity": min(quota, by_budget),
        "binding_constraint": "BUDGET" if by_budget < quota else "QUOTA",
    }


# === the loader's checks, re-implemented (extracts.md) =========================================
def normalise_id(text: str) -> str:
    """NIK / No KK normalisation: trim, drop a leading apostrophe and inner spaces."""
    text = text.strip()
    if text.startswith("'"):
        text = text[1:]
    return text.replace(" ", "")


def nik_is_valid(nik: str) -> bool:
    if len(nik) != 16 or not nik.isascii() or not nik.isdigit():
        return False
    day, month = int(nik[6:8]), int(nik[8:10])
    return 11 <= int(nik[:2]) <= 94 and (1 <= day <= 31 or 41 <= day <= 71) and 1 <= month <= 12 and nik[12:] != "0000"


@functools.lru_cache(maxsize=1 << 16)  # birth and update dates repeat a lot; bounded memory
def parse_date(text: str, day_first: bool = False) -> dt.date | None:
    text = text.strip()
    if not (_DMY if day_first else _ISO).fullmatch(text):
        return None
    y, m, d = (
        (int(text[6:]), int(text[3:5]), int(text[:2])) if day_first else (int(text[:4]), int(text[5:7]), int(text[8:]))
    )
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def digits_of_length(text: str, n: int) -> bool:
    return len(text) == n and text.isascii() and text.isdigit()


def amount_problem(text: str) -> str | None:
    text = text.strip()
    if not text or INTEGER.fullmatch(text):
        return None
    return "AMOUNT_FORMAT" if _THOUSANDS.fullmatch(text) else "BAD_INTEGER"


def dtsen_problem(row: list[str]) -> str | None:
    id_keluarga, nik, no_kk, _, _, sex, born, kode, desil, _ = (v.strip() for v in row)
    if not id_keluarga or not nik:
        return "MISSING_VALUE"
    if not nik_is_valid(normalise_id(nik)):
        return "BAD_NIK"
    if (no_kk and not digits_of_length(normalise_id(no_kk), 16)) or (kode and not digits_of_length(kode, 10)):
        return "BAD_DIGITS"
    if born and parse_date(born, day_first=True) is None:
        return "BAD_DATE"
    if desil and not INTEGER.fullmatch(desil):
        return "BAD_INTEGER"
    if sex and sex not in ("L", "P"):
        return "BAD_ENUM"
    return None


def dukcapil_problem(row: list[str]) -> str | None:
    nik, no_kk, born, kode, alive, died, updated = (row[i].strip() for i in (0, 1, 5, 8, 12, 13, 14))
    if not nik or not born or not kode or not alive:
        return "MISSING_VALUE"
    if not nik_is_valid(normalise_id(nik)):
        return "BAD_NIK"
    if (no_kk and not digits_of_length(normalise_id(no_kk), 16)) or not digits_of_length(kode, 10):
        return "BAD_DIGITS"
    if any(v and parse_date(v) is None for v in (born, died, updated)):
        return "BAD_DATE"
    if alive not in ("HIDUP", "MATI") or row[3].strip() not in ("", "LAKI-LAKI", "PEREMPUAN"):
        return "BAD_ENUM"
    if alive == "MATI" and not died:
        return "MISSING_VALUE"
    return None


def kepesertaan_problem(row: list[str]) -> str | None:
    nik, kpj, _, segmen, payer, status, start, end = (v.strip() for v in row)
    if not nik or not kpj or not payer:
        return "MISSING_VALUE"
    if not nik_is_valid(normalise_id(nik)):
        return "BAD_NIK"
    if any(v and parse_date(v) is None for v in (start, end)):
        return "BAD_DATE"
    if segmen not in ("", "PU", "BPU", "JAKON", "PMI") or status not in ("", "AKTIF", "NONAKTIF"):
        return "BAD_ENUM"
    return None


def iuran_problem(row: list[str], period: str) -> str | None:
    values = [v.strip() for v in row]
    if not all(values[i] for i in (0, 1, 3, 6, 7, 8, 9)):
        return "MISSING_VALUE"
    if not nik_is_valid(normalise_id(values[3])):
        return "BAD_NIK"
    for i in (5, 6, 7, 8):
        problem = amount_problem(values[i])
        if problem:
            return problem
    if not _PERIOD.fullmatch(values[1]) or parse_date(values[9]) is None:
        return "BAD_DATE"
    if values[11] not in ("", "PEMBAYARAN", "RESTITUSI"):
        return "BAD_ENUM"
    if int(values[8]) != int(values[6]) + int(values[7]):
        return "TOTAL_MISMATCH"
    if values[1] != period:
        return "PERIOD_MISMATCH"
    return None


# === eligibility oracle (program-rules.md sections 3-4) =========================================
class Eligibility:
    """Applies the rules to each candidate's rows as written; keeps only ranking keys."""

    def __init__(self, w: Programme):
        self.w = w
        self.min_age, self.max_age = int(w.params["min_age"]), int(w.params["max_age"])
        self.candidates = 0
        self.reasons: Counter[str] = Counter()
        self.reason_sets: Counter[str] = Counter()
        self.eligible: list[tuple[int, int, str, str, str]] = []  # desil, -household size, dob, nik, name
        self.moved_in_eligible = 0
        self.alive_ineligible: list[tuple[str, str]] = []  # payees for NOT_A_PARTICIPANT lines
        self.dead: list[tuple[str, str]] = []  # payees for PAID_AFTER_DEATH lines

    def civil_reasons(self, duk: list[str] | None, as_of: dt.date) -> list[str]:
        """The Dukcapil rules; a death on or before as_of excludes (any recorded death, for the latest)."""
        w = self.w
        if duk is None:
            return ["NOT_IN_DUKCAPIL"]
        reasons = []
        died = parse_date(duk[13]) if duk[13].strip() else None
        if duk[12].strip() == "MATI" or (died and died <= as_of):
            reasons.append("DECEASED")
        if duk[8].strip()[:4] != w.kode_kota:
            reasons.append("NOT_BEKASI_RESIDENT")
        if not self.min_age <= age_on(parse_date(duk[5]), w.coverage_start) <= self.max_age:
            reasons.append("AGE_OUT_OF_RANGE")
        return reasons

    def covered(self, members: list[list[str]]) -> bool:
        return any(m[5].strip() == "AKTIF" and m[4].strip() != self.w.payer for m in members)

    def reasons_for(self, dtsen: list[str], duk: list[str] | None, members: list[list[str]]) -> list[str]:
        w = self.w
        reasons = self.civil_reasons(duk, w.selection_date)
        if " ".join(dtsen[9].upper().split()) not in w.informal_set:
            reasons.append("NOT_INFORMAL_WORKER")
        desil = dtsen[8].strip()
        if not desil or int(desil) > w.max_desil:
            reasons.append("DESIL_ABOVE_MAX")
        if self.covered(members):
            reasons.append("ALREADY_COVERED")
        return reasons

    def add(self, dtsen: list[str], household_size: int, duk: list[str] | None, members: list[list[str]]) -> None:
        reasons = self.reasons_for(dtsen, duk, members)
        nik = normalise_id(dtsen[1])
        self.candidates += 1
        self.reasons.update(reasons)
        self.reason_sets[",".join(sorted(reasons))] += 1
        if not reasons:
            self.eligible.append((int(dtsen[8]), -household_size, duk[5].strip(), nik, duk[2].strip()))
            self.moved_in_eligible += not nik.startswith(self.w.kode_kota)
        elif duk is not None and "DECEASED" not in reasons and len(self.alive_ineligible) < 200:
            self.alive_ineligible.append((nik, duk[2].strip()))
        elif duk is not None and duk[13].strip() and len(self.dead) < 20:
            self.dead.append((nik, duk[2].strip()))


def resolve_duplicate(first: tuple[list[str], int], second: tuple[list[str], int]) -> tuple[list[str], int]:
    """One NIK in two households: the row with the lowest desil, then the lowest id_keluarga."""

    def key(item):
        desil = item[0][8].strip()
        return (int(desil) if desil else 99, item[0][0].strip())

    return min(first, second, key=key)


def classify(expected: int, paid: int, lines: int, last_paid: dt.date | None, died_before: bool, due: dt.date) -> str:
    """program-rules.md section 7: the first category that applies."""
    if paid > 0 and died_before:
        return "PAID_AFTER_DEATH"
    if paid > 0 and expected == 0:
        return "NOT_A_PARTICIPANT"
    if expected > 0 and lines == 0:
        return "UNPAID"
    if lines > 1:
        return "DUPLICATE"
    if paid < expected:
        return "UNDERPAID"
    if paid > expected:
        return "OVERPAID"
    if last_paid and last_paid > due:
        return "LATE"
    return "MATCHED"


def reconcile_period(
    w: Programme, t: int, periods, loaded: list[list[str]], participants: list[Enrolled], deaths: dict[str, dt.date]
) -> tuple[Counter, dict, list[str]]:
    """Categories per person from the loaded (not quarantined) lines of one period."""
    year, month = periods[t]
    start, monthly = dt.date(year, month, 1), w.money["monthly_premium_idr"]
    due = dt.date(year, month, int(w.params["payment_due_day"]))
    paid: dict[str, list] = {}
    for row in loaded:
        entry = paid.setdefault(normalise_id(row[3]), [0, 0, None])
        refund = row[11].strip() == "RESTITUSI"
        entry[0] += -int(row[8]) if refund else int(row[8])
        if not refund:
            entry[1] += 1
            day = parse_date(row[9])
            entry[2] = day if entry[2] is None else max(entry[2], day)
    expected = {
        p.nik: monthly for p in participants if p.enrolled <= t and not (deaths.get(p.nik) and deaths[p.nik] < start)
    }
    categories: Counter[str] = Counter()
    unpaid = []
    for nik in sorted(set(paid) | set(expected)):
        amount, lines, last = paid.get(nik, (0, 0, None))
        died = deaths.get(nik)
        category = classify(expected.get(nik, 0), amount, lines, last, bool(died and died < start), due)
        categories[category] += 1
        if category == "UNPAID":
            unpaid.append(nik)
    budget = {
        "active_participants": len(expected),
        "expected_idr": monthly * len(expected),
        "paid_idr": sum(e[0] for e in paid.values()),
    }
    return categories, budget, unpaid


def streaks(unpaid_by_nik: dict[str, list[int]]) -> dict[str, int]:
    """Participants by their longest run of consecutive UNPAID months (2 or more is flagged)."""
    longest = Counter()
    for months in unpaid_by_nik.values():
        best = run = 1
        for a, b in itertools.pairwise(months):
            run = run + 1 if b == a + 1 else 1
            best = max(best, run)
        longest[min(best, 3)] += 1
    return {"1": longest[1], "2": longest[2], "3+": longest[3], "flagged": longest[2] + longest[3]}
