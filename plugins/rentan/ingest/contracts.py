"""The contract of each feed (extracts.md): its file name, columns, types and row checks.

This is the one place a feed's shape is written down. The loader builds raw tables and
its quarantine query from it, and the tests read it. Check SQL is code, never input:
`{column}` stands for a quoted column identifier and `{file_period}` for the period in
the file name, both filled in by the loader with driver quoting.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

# The checks behind each column kind: (reason code, SQL that is true when a present value fails).
# Each tries the value as delivered first where that is cheaper: it is almost always clean.
KIND_CHECKS: dict[str, tuple[tuple[str, str], ...]] = {
    "text": (),
    "nik": (("BAD_NIK", "not meta.is_valid_raw_nik({column})"),),
    "digits10": (("BAD_DIGITS", "not meta.is_raw_id_of_length({column}, 10)"),),
    "digits16": (("BAD_DIGITS", "not meta.is_raw_id_of_length({column}, 16)"),),
    "date_ymd": (("BAD_DATE", "not (meta.is_date_ymd({column}) or meta.is_date_ymd(meta.normalize_text({column})))"),),
    "date_dmy": (("BAD_DATE", "not (meta.is_date_dmy({column}) or meta.is_date_dmy(meta.normalize_text({column})))"),),
    "integer": (("BAD_INTEGER", "meta.parse_integer({column}) is null"),),
    "decile": (
        (
            "BAD_INTEGER",
            "{column} not in ({deciles}) and coalesce(meta.normalize_text({column}), '') not in ({deciles})",
        ),
    ),
    "amount": (
        ("AMOUNT_FORMAT", "not meta.is_integer_text({column})"),
        ("AMOUNT_OUT_OF_RANGE", "meta.is_integer_text({column}) and meta.parse_amount({column}) is null"),
    ),
    "enum": (
        (
            "BAD_ENUM",
            "{column} not in ({values}) and coalesce(upper(meta.normalize_text({column})), '') not in ({values})",
        ),
    ),
}
DECILES = tuple(str(d) for d in range(1, 11))


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"
    required: bool = False  # every row needs a value (MISSING_VALUE otherwise)
    values: tuple[str, ...] = ()  # allowed values of an enum column
    # The programme rules read it: the header must have it, even where a value may be empty
    # (extracts.md: a renamed column rejects the file, it never loads as all-empty).
    read_by_rules: bool = False


@dataclass(frozen=True)
class RowCheck:
    """A check across columns; `sql` names columns as {name} and is true when the row fails."""

    reason: str
    column: str
    sql: str
    # Canonical values that certainly pass this check, per column (column, a regex the whole
    # field matches): the loader's client-side screen (screen.py) needs them to vouch for a line.
    clean: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Contract:
    feed: str
    file_pattern: str  # regex with one group: YYYYMMDD, or YYYYMM when `monthly`
    columns: tuple[Column, ...]
    row_checks: tuple[RowCheck, ...] = ()
    unique_nik: bool = False  # a NIK twice in one file quarantines both rows
    amount_column: str | None = None  # rupiah column of the control totals
    monthly: bool = False  # one file per period: its rows' periode must match the file name
    description: str = ""
    _by_name: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "_by_name", {c.name: c for c in self.columns})

    def column(self, name: str) -> Column:
        return self._by_name[name]

    @property
    def required(self) -> list[str]:
        """The columns the header must have: those every row needs and those the rules read."""
        return [c.name for c in self.columns if c.required or c.read_by_rules]

    def snapshot_date(self, file_name: str) -> dt.date | None:
        """The as-of date in the file name (the first of the month for a period), or None."""
        match = re.fullmatch(self.file_pattern, file_name, flags=re.IGNORECASE)
        if not match:
            return None
        try:
            return dt.datetime.strptime(match.group(1), "%Y%m" if self.monthly else "%Y%m%d").date()
        except ValueError:
            return None


NIK = Column("nik", "nik", required=True)

CONTRACTS: dict[str, Contract] = {
    c.feed: c
    for c in (
        Contract(
            feed="dtsen",
            description="DTSEN individual extract (quarterly, Dinas Sosial)",
            file_pattern=r"dtsen_([0-9]{8})\.csv",
            columns=(
                Column("id_keluarga", required=True),
                NIK,
                Column("no_kk", "digits16"),
                Column("nama"),
                Column("hubungan_keluarga"),
                Column("jenis_kelamin", "enum", values=("L", "P")),
                Column("tanggal_lahir", "date_dmy"),
                Column("kode_wilayah", "digits10"),
                Column("desil", "decile", read_by_rules=True),
                Column("pekerjaan_utama", read_by_rules=True),
            ),
        ),
        Contract(
            feed="dukcapil",
            description="Civil registry extract (monthly, Disdukcapil)",
            file_pattern=r"dukcapil_([0-9]{8})\.csv",
            columns=(
                NIK,
                Column("no_kk", "digits16"),
                Column("nama_lengkap"),
                Column("jenis_kelamin", "enum", values=("LAKI-LAKI", "PEREMPUAN")),
                Column("tempat_lahir"),
                Column("tanggal_lahir", "date_ymd", required=True),
                Column("status_kawin"),
                Column("jenis_pekerjaan"),
                Column("kode_wilayah", "digits10", required=True),
                Column("alamat"),
                Column("rt"),
                Column("rw"),
                Column("status_hidup", "enum", required=True, values=("HIDUP", "MATI")),
                Column("tanggal_kematian", "date_ymd", read_by_rules=True),
                Column("tanggal_update", "date_ymd"),
            ),
            row_checks=(
                RowCheck(
                    "MISSING_VALUE",
                    "tanggal_kematian",
                    "meta.normalize_label({status_hidup}) = 'MATI' and meta.normalize_text({tanggal_kematian}) is null",
                    clean=(("status_hidup", "HIDUP"),),
                ),
            ),
            unique_nik=True,
        ),
        Contract(
            feed="bpjs_kepesertaan",
            description="BPJS Ketenagakerjaan membership check (on request, BPJS)",
            file_pattern=r"bpjs_kepesertaan_([0-9]{8})\.csv",
            columns=(
                NIK,
                Column("kpj", required=True),
                Column("nama"),
                Column("segmen", "enum", values=("PU", "BPU", "JAKON", "PMI")),
                Column("sumber_iuran", required=True),
                Column("status_kepesertaan", "enum", values=("AKTIF", "NONAKTIF"), read_by_rules=True),
                Column("tgl_kepesertaan", "date_ymd", read_by_rules=True),
                Column("tgl_nonaktif", "date_ymd"),
            ),
        ),
        Contract(
            feed="bpjs_iuran",
            description="BPJS premium payment lines (monthly, BPJS)",
            file_pattern=r"bpjs_iuran_([0-9]{6})\.csv",
            columns=(
                Column("kode_iuran", required=True),
                Column("periode", required=True),
                Column("kpj"),
                NIK,
                Column("nama"),
                Column("penghasilan", "amount"),
                Column("iuran_jkk", "amount", required=True),
                Column("iuran_jkm", "amount", required=True),
                Column("total_iuran", "amount", required=True),
                Column("tgl_bayar", "date_ymd", required=True),
                Column("no_referensi"),
                Column("jenis_transaksi", "enum", values=("PEMBAYARAN", "RESTITUSI"), read_by_rules=True),
            ),
            row_checks=(
                RowCheck(
                    "TOTAL_MISMATCH",
                    "total_iuran",
                    "meta.parse_amount({total_iuran}) <> "
                    "meta.parse_amount({iuran_jkk}) + meta.parse_amount({iuran_jkm})",
                ),
                # A refund is a positive amount in a RESTITUSI line: no line carries a sign.
                RowCheck("NON_POSITIVE_AMOUNT", "total_iuran", "meta.parse_amount({total_iuran}) <= 0"),
                RowCheck("PERIOD_MISMATCH", "periode", "meta.normalize_text({periode}) <> {file_period}"),
            ),
            amount_column="total_iuran",
            monthly=True,
        ),
    )
}

# The raw tables ingest loads into, declared to the warehouse's migrations (rentan.warehouse.raw_tables).
RAW_TABLES: dict[str, tuple[str, ...]] = {
    feed: tuple(column.name for column in contract.columns) for feed, contract in CONTRACTS.items()
}
