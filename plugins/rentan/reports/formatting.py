"""How the finance report writes months, rupiah and names (Bahasa Indonesia, personal data masked)."""

from __future__ import annotations

import datetime as dt
import re

MONTHS_ID = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
             "Oktober", "November", "Desember")
BINDING_ID = {"QUOTA": "KUOTA", "BUDGET": "ANGGARAN"}
REPLACEMENT_LIMIT_ID = {"FREE_SLOTS": "slot kosong", "BUDGET": "anggaran", "WAITING_LIST": "daftar tunggu"}
# Excel number format of rupiah: no decimals, negatives in red.
RUPIAH_FORMAT = '"Rp"#,##0;[Red]-"Rp"#,##0'
NAME_PREFIX_LETTERS = 3
NIK_SHOWN_HEAD, NIK_SHOWN_TAIL = 6, 4
_PERIOD = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")


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


def rupiah(amount: int | None) -> str:
    """Rp with Indonesian thousand dots: Rp1.234.567, -Rp16.800."""
    if amount is None:
        return "-"
    text = f"{abs(int(amount)):,}".replace(",", ".")
    return f"-Rp{text}" if amount < 0 else f"Rp{text}"


def number(value: int | None) -> str:
    """A count with Indonesian thousand dots."""
    return "-" if value is None else f"{int(value):,}".replace(",", ".")


def mask_name(name: str | None) -> str:
    """'SITI NURHALIZA' -> 'Sit* Nur*': the first letters of each word, enough for an officer to recognise."""
    if not name:
        return ""
    return " ".join(word[:NAME_PREFIX_LETTERS].title() + "*" for word in name.split())


def mask_nik(nik: str | None) -> str:
    """'3275014101800001' -> '327501******0001': region and serial, not the birth date."""
    if not nik:
        return ""
    hidden = len(nik) - NIK_SHOWN_HEAD - NIK_SHOWN_TAIL
    if hidden <= 0:
        return "*" * len(nik)
    return nik[:NIK_SHOWN_HEAD] + "*" * hidden + nik[-NIK_SHOWN_TAIL:]


def mask_raw_line(raw_line: str, nik: str | None, name: str | None) -> str:
    """A quarantined line as delivered, with its NIK and name masked (every other field as it came)."""
    masked = raw_line
    if nik:
        masked = masked.replace(nik, mask_nik(nik))
    if name:
        masked = masked.replace(name, mask_name(name))
    return masked
