"""How the finance report writes months, rupiah, codes and names: Bahasa Indonesia, personal data
masked, and text that is safe in a spreadsheet whatever it came in with.

The Excel number formats here are literal (a quoted "." between digit groups, the month's name
in quotes): a reader's Excel in any locale shows Rp1.234.567 and "Oktober 2026", never
Rp1,234,567 or "Oct 2026". Digit groups need one literal format per magnitude, so a number cell
has one fixed base format and the sheet one fixed set of conditional formats by magnitude
(NUMBER_BANDS): a number typed into a cell later reads right too.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

from rentan.reports.vocabulary import month_names
from rentan.text import neutralise

# Bekasi's clock (WIB): the date above the signatures and the publication time shown.
BEKASI_TIME = ZoneInfo("Asia/Jakarta")
# The calendar's month names come from the one vocabulary (seed codes, domains month and
# month_short), like every label a reader sees.
MONTHS_ID = month_names()
MONTHS_SHORT_ID = month_names(short=True)
NO_KPJ = "(tanpa KPJ di file BPJS)"
NAME_PREFIX_LETTERS = 3
NIK_SHOWN_HEAD, NIK_SHOWN_TAIL = 6, 4
NIP_DIGITS = 18
DATE_FORMAT = 'dd"/"mm"/"yyyy'
_PERIOD = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
# C0 and C1 control characters (tab, CR and LF included): invalid in XML, or misleading in a cell.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
REPLACEMENT_CHARACTER = "\ufffd"
# A cell starting with one of these is a formula (or becomes one when edited) in a spreadsheet.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019`.-][^\W\d_]+)*")
_NIK_LIKE = re.compile(r"(?<![0-9])[0-9]{16}(?![0-9])")


def parse_period(period: str) -> dt.date:
    """'YYYY-MM' -> the first day of that month; anything else is refused."""
    if not isinstance(period, str) or not _PERIOD.fullmatch(period):
        raise ValueError(f"period must be YYYY-MM, got {period!r}")
    return dt.date(int(period[:4]), int(period[5:]), 1)


def period_text(month: dt.date) -> str:
    """The period as the file names and the CLI write it: 'YYYY-MM'."""
    return f"{month:%Y-%m}"


def month_id(month: dt.date) -> str:
    """'Oktober 2026'."""
    return f"{MONTHS_ID[month.month - 1]} {month.year}"


def date_id(day: dt.date | None) -> str:
    """'2 Desember 2026'; '-' for no date."""
    return "-" if day is None else f"{day.day} {MONTHS_ID[day.month - 1]} {day.year}"


def rupiah_for_readers(amount: int | None) -> str:
    """Rp with Indonesian thousand dots, for the report's and `rentan explain`'s readers: Rp1.234.567,
    -Rp16.800 (an engineer's console gets the size at a glance instead: validate.sentences)."""
    if amount is None:
        return "-"
    return f"-Rp{number(-amount)}" if amount < 0 else f"Rp{number(amount)}"


def number(value: int | None) -> str:
    """A count with Indonesian thousand dots: 1.234 (negative: -1.234)."""
    return "-" if value is None else f"{int(value):,}".replace(",", ".")


# --- Excel number formats that do not depend on the reader's locale ---------------------------------
# Conditional formats by magnitude (at least 10^3, 10^6, ... as positive or negative values): the
# largest first, each with its number of digit groups. Below 1.000 the base format applies.
NUMBER_BANDS = tuple((10 ** (3 * groups), groups + 1) for groups in range(5, 0, -1))


def _digits(groups: int) -> str:
    """Digit placeholders in `groups` groups of three joined by a literal '.': #"."###"."##0."""
    return "0" if groups <= 1 else "#" + '"."###' * (groups - 2) + '"."##0'


def count_format(groups: int = 1) -> str:
    """A count with `groups` digit groups: 2.952 whatever the locale."""
    digits = _digits(groups)
    return f"{digits};-{digits};0"


def rupiah_format(groups: int = 1) -> str:
    """Rupiah with `groups` digit groups: Rp49.356.600, negatives -Rp16.800 in red, whatever the locale."""
    digits = _digits(groups)
    return f'"Rp"{digits};[Red]-"Rp"{digits};"Rp"0'


def month_format(month: dt.date) -> str:
    """A date cell shown as 'Oktober 2026' (the month name is literal text, the cell stays a date)."""
    return f'"{MONTHS_ID[month.month - 1]} "yyyy'


# --- text safety ---------------------------------------------------------------------------------
def clean_text(text: str) -> str:
    """Control, escape and bidi characters (e.g. 0x07 or U+202E in a delivered name) replaced by U+FFFD
    (rentan.text.neutralise: the one place): shown, never acted on, never fatal."""
    return neutralise(text)


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet would read this text as a formula: it must be stored as text."""
    return text.startswith(_FORMULA_START)


# --- personal data -------------------------------------------------------------------------------
def mask_name(name: str | None) -> str:
    """'SITI "ANI" NURHALIZA' -> 'Sit* An* Nur*': a few first letters of each word, never a whole word.

    Words are runs of letters (apostrophes and hyphens inside a word kept with it); quotes,
    digits and punctuation are dropped. A name without letters shows as '*'.
    """
    if not name:
        return ""
    masked = []
    for word in _WORD.findall(name):
        letters = re.sub(r"[^\w]|[\d_]", "", word)
        shown = min(NAME_PREFIX_LETTERS, max(len(letters) - 1, 1))
        masked.append(letters[:shown].title() + "*")
    return " ".join(masked) or "*"


def mask_nik(nik: str | None) -> str:
    """'3275014101800001' -> '327501******0001': region and serial, not the birth date."""
    if not nik:
        return ""
    hidden = len(nik) - NIK_SHOWN_HEAD - NIK_SHOWN_TAIL
    if hidden <= 0:
        return "*" * len(nik)
    return nik[:NIK_SHOWN_HEAD] + "*" * hidden + nik[-NIK_SHOWN_TAIL:]


def mask_raw_line(raw_line: str, nik: str | None, name: str | None) -> str:
    """A quarantined line as delivered, with its NIK and name masked (every other field as it came).

    The line is split as CSV (the loader quotes a field holding a quote or a comma), so a name
    with quotes is found and masked too; any other 16-digit number is masked as a NIK.
    """
    fields = next(csv.reader([raw_line.replace("\r", " ").replace("\n", " ")]), [])
    name = (name or "").strip()
    nik = (nik or "").strip()
    masked = []
    for field in fields:
        value = field.strip()
        if name and value == name:
            field = mask_name(value)
        elif nik and value == nik:
            field = mask_nik(value)
        elif name and name in field:
            field = field.replace(name, mask_name(name))
        masked.append(_NIK_LIKE.sub(lambda m: mask_nik(m.group()), field))
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(masked)
    return out.getvalue()


def nip_text(nip: str) -> str:
    """An 18-digit NIP in its usual groups: '19800101 200501 1 001'."""
    return f"{nip[:8]} {nip[8:14]} {nip[14]} {nip[15:]}" if len(nip) == NIP_DIGITS else nip
