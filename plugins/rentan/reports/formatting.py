"""How the finance report writes months, rupiah, codes and names: Bahasa Indonesia, personal data
masked, and text that is safe in a spreadsheet whatever it came in with.

The Excel number formats here are literal (a quoted "." between digit groups, the month's name
in quotes): a reader's Excel in any locale shows Rp1.234.567 and "Oktober 2026", never
Rp1,234,567 or "Oct 2026".
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

from rentan.text import neutralise

# Bekasi's clock (WIB): the date above the signatures and the publication time shown.
BEKASI_TIME = ZoneInfo("Asia/Jakarta")
MONTHS_ID = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
BINDING_ID = {"QUOTA": "KUOTA", "BUDGET": "ANGGARAN"}
REPLACEMENT_LIMIT_ID = {
    "FREE_SLOTS": "slot kosong",
    "CAPACITY": "kapasitas yang berlaku",
    "BUDGET": "anggaran",
    "WAITING_LIST": "daftar tunggu",
}
# Why the loader quarantined a payment line (rentan.ingest.contracts / loader reason codes).
QUARANTINE_REASON_ID = {
    "MISSING_VALUE": "Nilai wajib kosong",
    "BAD_NIK": "NIK tidak sah",
    "BAD_DIGITS": "Nomor tidak sah (jumlah digit salah)",
    "BAD_DATE": "Tanggal tidak sah",
    "BAD_INTEGER": "Angka tidak sah",
    "AMOUNT_FORMAT": "Format jumlah rupiah tidak sah",
    "BAD_ENUM": "Nilai di luar pilihan yang sah",
    "TOTAL_MISMATCH": "total_iuran tidak sama dengan iuran JKK + JKM",
    "PERIOD_MISMATCH": "Periode baris tidak sama dengan periode file",
    "DUPLICATE_NIK": "NIK ganda dalam satu file",
    "AMOUNT_OUT_OF_RANGE": "Jumlah rupiah di luar batas (lebih dari 12 digit)",
    "NON_POSITIVE_AMOUNT": "total_iuran nol atau negatif",
    "HOUSEHOLD_TOO_LARGE": "Keluarga DTSEN dengan jumlah anggota tidak wajar",
}
# What the finance office does about each reconciliation category (program-rules.md section 7).
CATEGORY_ACTION_ID = {
    "PAID_AFTER_DEATH": "Ajukan restitusi ke BPJS: peserta meninggal sebelum periode",
    "NOT_A_PARTICIPANT": "Ajukan restitusi ke BPJS: bukan peserta program pada periode ini",
    "UNPAID": "Bayarkan iuran periode ini",
    "DUPLICATE": "Periksa pembayaran ganda; ajukan restitusi kelebihannya",
    "UNDERPAID": "Bayarkan kekurangan iuran",
    "OVERPAID": "Ajukan restitusi kelebihan iuran",
    "LATE": "Periksa apakah perlindungan sempat terputus",
    "MATCHED": "Tidak ada",
}
FEED_ID = {
    "dtsen": "DTSEN (data individu)",
    "dukcapil": "Dukcapil (data penduduk)",
    "bpjs_kepesertaan": "BPJS Ketenagakerjaan (kepesertaan)",
    "bpjs_iuran": "BPJS Ketenagakerjaan (pembayaran iuran)",
}
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


def rupiah(amount: int | None) -> str:
    """Rp with Indonesian thousand dots: Rp1.234.567, -Rp16.800."""
    if amount is None:
        return "-"
    return f"-Rp{number(-amount)}" if amount < 0 else f"Rp{number(amount)}"


def number(value: int | None) -> str:
    """A count with Indonesian thousand dots: 1.234 (negative: -1.234)."""
    return "-" if value is None else f"{int(value):,}".replace(",", ".")


def category_text(code: str, label: str | None) -> str:
    """'Dibayar setelah meninggal (PAID_AFTER_DEATH)': the label to read, the code to search."""
    return f"{label or code} ({code})"


def reason_label(code: str | None) -> str:
    """The Indonesian label of a quarantine reason code."""
    if not code:
        return "-"
    return QUARANTINE_REASON_ID.get(code, "Alasan lain")


# --- Excel number formats that do not depend on the reader's locale ---------------------------------
def _digits(value: int | float) -> str:
    """Digit placeholders with a literal '.' between groups of three, as many as `value` needs."""
    groups = (len(str(abs(int(value)))) - 1) // 3
    return "0" if groups == 0 else "#" + '"."###' * (groups - 1) + '"."##0'


def count_format(value: int | float | None) -> str:
    """An integer count: 2.952 whatever the locale (the format is chosen for this value)."""
    digits = _digits(value or 0)
    return f"{digits};-{digits}"


def rupiah_format(value: int | float | None) -> str:
    """Rupiah: Rp49.356.600, negatives -Rp16.800 in red, whatever the locale."""
    digits = _digits(value or 0)
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
