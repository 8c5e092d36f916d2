"""Deterministic synthetic landing area: the four feeds of extracts.md, with known defects, and the truth.

One ``random.Random(seed)`` drives everything in a fixed order, so a seed always gives the same
bytes. People are generated household by household and streamed straight into the DTSEN,
Dukcapil and BPJS files; only what selection needs (the ranking keys of eligible candidates and
a few small reservoirs) stays in memory: 2.6 M people peaked at about 150 MB RSS, about 80 MB of
which is the Faker import (measured before the programme year was added; 150,000 people now peak
at about 100 MB). Then the programme year: monthly Dukcapil and BPJS snapshots streamed from the
selection-time files, deaths, the waiting list re-checked, replacements called and registered.

The truth is computed by rentan_dev.oracle, an independent implementation of program-rules.md
sections 1-7 that re-parses every row as written (normalisation and quarantine included), not
from what the generator meant to inject. ``people`` is the number of DTSEN rows.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import hashlib
import io
import itertools
import json
import operator
import random
from array import array
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from faker import Faker

from rentan.parameters import load_parameters
from rentan.paths import SEEDS_DIR
from rentan_dev.oracle import (
    CATEGORIES,
    INTEGER,
    REASONS,
    Eligibility,
    age_on,
    dtsen_problem,
    dukcapil_problem,
    iuran_problem,
    kepesertaan_problem,
    month_add,
    month_end,
    month_list,
    normalise_id,
    parse_date,
    premium_arithmetic,
    reconcile_period,
    resolve_duplicate,
    streaks,
)

# --- delivery calendar -------------------------------------------------------------------------
DTSEN_DATE = dt.date(2025, 12, 1)
# after selection, Dukcapil delivers its registry and BPJS its membership check at every month's end
MONTH_ENDS_2026 = tuple(dt.date(2026 + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1) for m in range(1, 11))
DUKCAPIL_DATES = (dt.date(2025, 11, 30), *MONTH_ENDS_2026)
KEPESERTAAN_DATES = (dt.date(2025, 12, 10), *MONTH_ENDS_2026)
FIRST_BIRTH = dt.date(1930, 1, 1)  # a NIK has a 2-digit year: keep every birth within one century
BORN_BY = dt.date(2025, 11, 1)  # nobody in the extracts is born after this
MAX_AGE_YEARS = 93
DAY_SPAN = (BORN_BY - FIRST_BIRTH).days + 1
MIN_PEOPLE = 1000

DTSEN_COLUMNS = (
    "id_keluarga",
    "nik",
    "no_kk",
    "nama",
    "hubungan_keluarga",
    "jenis_kelamin",
    "tanggal_lahir",
    "kode_wilayah",
    "desil",
    "pekerjaan_utama",
)
DUKCAPIL_COLUMNS = (
    "nik",
    "no_kk",
    "nama_lengkap",
    "jenis_kelamin",
    "tempat_lahir",
    "tanggal_lahir",
    "status_kawin",
    "jenis_pekerjaan",
    "kode_wilayah",
    "alamat",
    "rt",
    "rw",
    "status_hidup",
    "tanggal_kematian",
    "tanggal_update",
)
KEPESERTAAN_COLUMNS = (
    "nik",
    "kpj",
    "nama",
    "segmen",
    "sumber_iuran",
    "status_kepesertaan",
    "tgl_kepesertaan",
    "tgl_nonaktif",
)
IURAN_COLUMNS = (
    "kode_iuran",
    "periode",
    "kpj",
    "nik",
    "nama",
    "penghasilan",
    "iuran_jkk",
    "iuran_jkm",
    "total_iuran",
    "tgl_bayar",
    "no_referensi",
    "jenis_transaksi",
)

# --- realism -----------------------------------------------------------------------------------
HOUSEHOLD_SIZE_WEIGHTS = (10, 18, 24, 24, 14, 6, 4)  # sizes 1..7, mean about 3.5 as in Bekasi
DESIL_WEIGHTS = (3, 4, 4.5, 5.5, 7, 9, 12, 16, 20, 19)  # share of people by decile: 1-4 = 17 %
INFORMAL_SHARE = (0.64, 0.62, 0.60, 0.58, 0.52, 0.34, 0.22, 0.14, 0.09, 0.05)  # adults, by desil
OTHER_JOB_WEIGHTS = {
    "KARYAWAN SWASTA": 40,
    "WIRASWASTA": 20,
    "BELUM/TIDAK BEKERJA": 15,
    "MENGURUS RUMAH TANGGA": 8,
    "PEGAWAI NEGERI SIPIL": 4,
    "GURU": 3,
    "TNI/POLRI": 2,
    "PETANI/PEKEBUN": 1,
    "PENSIUNAN": 0,
    "PELAJAR/MAHASISWA": 0,
}
STUDENT, NO_WORK, HOMEMAKER, RETIRED = (
    "PELAJAR/MAHASISWA",
    "BELUM/TIDAK BEKERJA",
    "MENGURUS RUMAH TANGGA",
    "PENSIUNAN",
)
EMPLOYEE_JOBS = frozenset({"KARYAWAN SWASTA", "GURU"})
DUKCAPIL_JOB_BY_KATEGORI = {
    "SOPIR": "SOPIR",
    "KULI": "BURUH HARIAN LEPAS",
    "PEDAGANG": "PEDAGANG",
    "PEKERJA_LEPAS": "BURUH HARIAN LEPAS",
    "PEKERJA_RUMAH_TANGGA": "PEMBANTU RUMAH TANGGA",
}
OUTSIDE_REGIONS = (
    ("320105", "BOGOR"),
    ("321604", "BEKASI"),
    ("317104", "JAKARTA"),
    ("317203", "JAKARTA"),
    ("317405", "JAKARTA"),
    ("327301", "BANDUNG"),
    ("327602", "DEPOK"),
    ("360301", "TANGERANG"),
    ("320901", "CIREBON"),
    ("330105", "CILACAP"),
    ("331201", "WONOGIRI"),
    ("337401", "SEMARANG"),
    ("357801", "SURABAYA"),
    ("127101", "MEDAN"),
    ("187101", "BANDAR LAMPUNG"),
    ("737101", "MAKASSAR"),
)
MOVED_IN_REGIONS = ("320105", "321604", "317104")  # Kab. Bogor, Kab. Bekasi, Jakarta Selatan
OUTSIDE_ADDRESSES = ("3171041003", "3216041002", "3172031005", "3276021004", "3201051007", "3603011002")
OTHER_PAYERS = ("MANDIRI", "PEMBERI_KERJA", "PEMPROV_JABAR", "CSR")
BANKS = ("BRI", "BNI", "MDR", "BCA", "BSI")
DOB_DIFFERS_SHARE = 0.02
JOB_VARIANT_SHARE = 0.03
MOVED_WITHIN_SHARE = 0.02

# --- injected defects: kind -> (share, minimum count) ------------------------------------------
# Household defects land on the head of their own household, who is otherwise eligible (low
# desil, working age, informal job, no other cover), so the defect alone decides the outcome.
BAD_NIK_KINDS = (
    "short",
    "long",
    "letters",
    "province_00",
    "province_99",
    "day_00",
    "day_35",
    "day_75",
    "month_13",
    "serial_0000",
)
BAD_DATE_KINDS = ("1985-02-30", "31-12-1985", "1985-13-07")
HOUSEHOLD_DEFECTS: dict[str, tuple[float, int]] = {
    "nik_apostrophe": (0.0010, 3),
    "nik_spaces": (0.0005, 3),
    "bad_nik": (0.0004, len(BAD_NIK_KINDS)),
    "desil_empty": (0.0005, 3),
    "not_in_dukcapil": (0.0015, 3),
    "moved_out": (0.0015, 3),
    "moved_in": (0.0005, 3),
    "deceased": (0.0015, 3),
    "dukcapil_duplicate": (0.0002, 2),
    "death_date_missing": (0.0002, 2),
    "bad_birth_date": (0.0002, len(BAD_DATE_KINDS)),
    "age_min_exact": (0.00005, 2),
    "age_min_short": (0.00005, 2),
    "age_max_exact": (0.00005, 2),
    "age_max_last_day": (0.00005, 2),
    "age_max_over": (0.00005, 2),
    "covered_mandiri": (0.0003, 2),
    "covered_pemberi_kerja": (0.0003, 2),
    "covered_pemprov_jabar": (0.0003, 2),
    "covered_csr": (0.0003, 2),
    "nonaktif_other_payer": (0.0005, 3),
    "earlier_cohort": (0.0002, 2),
}
DTSEN_DUPLICATE_PAIRS = (0.0003, 3)
DUPLICATE_KINDS = ("first_row_lower_desil", "second_row_lower_desil", "same_desil")
# Per selected cohort (share of selected, minimum).
# "uncalled_registered": BPJS gives a programme KPJ to a waitlisted person the city did not call.
ENROLMENT_DEFECTS = {
    "never_registered": (0.01, 2),
    "multiple_kpj": (0.003, 2),
    "died_2026": (0.005, 6),
    "uncalled_registered": (0.0003, 2),
}
# How waitlisted people within reach of a call stop being eligible by the latest snapshots.
WAITLIST_CHANGES = ("died", "moved_out", "covered")
# Per period (share of active participants, minimum per period). AMOUNT_FORMAT and
# TOTAL_MISMATCH lines are the person's only line; a PERIOD_MISMATCH line is an extra one.
PERIOD_DEFECTS = {
    "UNPAID": (0.02, 1),
    "LATE": (0.03, 1),
    "DUPLICATE": (0.004, 1),
    "REFUNDED_DUPLICATE": (0.001, 1),
    "UNDERPAID": (0.003, 1),
    "OVERPAID": (0.002, 1),
    "AMOUNT_FORMAT": (0.001, 1),
    "TOTAL_MISMATCH": (0.001, 1),
    "PERIOD_MISMATCH": (0.001, 1),
    "NOT_A_PARTICIPANT": (0.001, 1),
}
# Per year (share of participants, minimum).
YEAR_DEFECTS = {"unpaid_2_months": (0.002, 2), "unpaid_3_months": (0.001, 2), "paid_before_enrolment": (0.001, 2)}


# === small helpers ==============================================================================
class Table:
    """Weighted choice by bisection: rng.choices is several times slower per call."""

    def __init__(self, values, weights):
        self.values = tuple(values)
        self.cum = list(itertools.accumulate(weights))

    def pick(self, rng: random.Random):
        return self.values[bisect.bisect(self.cum, rng.random() * self.cum[-1])]


def share_count(rate_min: tuple[float, int], base: int) -> int:
    """A defect's count: its share of base, never below its minimum (small runs still show it)."""
    rate, minimum = rate_min
    return max(minimum, round(rate * base))


def iso(ordinal: int) -> str:
    return dt.date.fromordinal(ordinal).isoformat()


def dmy(ordinal: int) -> str:
    d = dt.date.fromordinal(ordinal)
    return f"{d.day:02d}-{d.month:02d}-{d.year}"


# === files =====================================================================================
@dataclass(frozen=True)
class Layout:
    """How one file deviates from the plain spec layout (the loader must cope with all of it)."""

    bom: bool = False
    crlf: bool = False
    shuffled: bool = False  # columns in alphabetical, not spec, order
    extra: bool = False  # an unknown trailing `keterangan` column
    fancy_header: bool = False  # header names in mixed case with surrounding spaces


def fancy(name: str, i: int) -> str:
    return (name.upper(), f" {name.title()} ", f"  {name} ")[i % 3]


class FeedWriter:
    """One CSV written from rows in spec column order; counts rows and quarantine reasons."""

    def __init__(self, root: Path, name: str, columns: tuple[str, ...], layout: Layout):
        self.name = name
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = path.open("w", encoding="utf-8-sig" if layout.bom else "utf-8", newline="")
        self.csv = csv.writer(self.handle, lineterminator="\r\n" if layout.crlf else "\n")
        order = sorted(range(len(columns)), key=columns.__getitem__) if layout.shuffled else None
        self.pick = operator.itemgetter(*order) if order else None
        self.extra = layout.extra
        header = [columns[i] for i in order] if order else list(columns)
        header = [fancy(h, i) for i, h in enumerate(header)] if layout.fancy_header else header
        self.csv.writerow(header + ["keterangan"] if self.extra else header)
        self.buffer = io.StringIO()
        self.formatter = csv.writer(self.buffer, lineterminator="\r\n" if layout.crlf else "\n")
        self.rows = 0
        self.quarantined: Counter[str] = Counter()
        self.amounts = Counter()

    def write(self, row: list[str], problem: str | None = None) -> None:
        out = list(self.pick(row)) if self.pick else row
        if self.extra:
            out = [*out, "cek ulang" if self.rows % 97 == 5 else ""]
        self.csv.writerow(out)
        self.rows += 1
        if problem:
            self.quarantined[problem] += 1

    def text(self, row: list[str]) -> str:
        """The next row as write() would put it: files of one layout can share the formatting."""
        out = list(self.pick(row)) if self.pick else row
        if self.extra:
            out = [*out, "cek ulang" if self.rows % 97 == 5 else ""]
        self.buffer.seek(0)
        self.buffer.truncate()
        self.formatter.writerow(out)
        return self.buffer.getvalue()

    def write_text(self, text: str, problem: str | None = None) -> None:
        self.handle.write(text)
        self.rows += 1
        if problem:
            self.quarantined[problem] += 1

    def close(self) -> dict:
        self.handle.close()
        summary = {"rows": self.rows, "quarantined": dict(sorted(self.quarantined.items()))}
        return summary | dict(sorted(self.amounts.items()))


def kepesertaan_name(day: dt.date) -> str:
    return f"bpjs_kepesertaan/bpjs_kepesertaan_{day:%Y%m%d}.csv"


def read_rows(path: Path, columns: tuple[str, ...]):
    """Rows of a CSV in spec column order, whatever its layout (for copying a snapshot forward)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = [h.strip().lower() for h in next(reader)]
        index = [header.index(c) for c in columns]
        for record in reader:
            yield [record[i] for i in index]


def monthly_layout(t: int) -> Layout:
    """Vary the monthly files of a feed so every layout quirk occurs among them."""
    return Layout(bom=t % 3 == 1, crlf=t % 2 == 1, shuffled=t % 4 == 2, extra=t % 5 == 3, fancy_header=t % 3 == 2)


# === reference data and the generation context =================================================
def read_seed(name: str) -> list[dict[str, str]]:
    with (SEEDS_DIR / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def name_pools(seed: int) -> dict[str, tuple[str, ...]]:
    """Faker is far too slow per row: build sorted pools once, then pick with our own RNG."""
    fake = Faker("id_ID")
    fake.seed_instance(seed)
    makers = {
        "male": fake.first_name_male,
        "female": fake.first_name_female,
        "family": fake.last_name,
        "street": fake.street_name,
    }
    return {key: tuple(sorted({make().upper() for _ in range(1500)})) for key, make in makers.items()}


@dataclass(slots=True)
class Household:
    id: str
    no_kk: str
    kel: str
    kec: str
    kel_now: str
    desil: int
    desil_text: str
    alamat: str
    rt: str
    rw: str
    updated: str
    size: int


@dataclass(slots=True)
class Person:
    nik: str
    name: str
    sex: str
    dob: int  # date ordinal (Dukcapil's, authoritative)
    rel: str
    age: int
    job: str
    birthplace: str
    forced: bool  # the otherwise-eligible head carrying a household defect


@dataclass(slots=True)
class Rows:
    dtsen: list[str]
    dukcapil: list[list[str]]
    kepesertaan: list[list[str]]


class World:
    """Everything generation shares: the one RNG, parameters, reference data and counters."""

    def __init__(self, seed: int, params: dict):
        self.rng = random.Random(seed)
        self.params = params
        self.money = premium_arithmetic(params)
        self.kode_kota = str(params["kode_kota"])
        self.payer = str(params["program_payer_code"])
        self.max_desil = int(params["max_desil"])
        self.selection_date = dt.date.fromisoformat(params["selection_date"])
        start = params["coverage_start_month"]
        self.coverage_start = dt.date(*month_list(start, start)[0], 1)
        wilayah = read_seed("wilayah_kota_bekasi.csv")
        self.kelurahan = [(w["kode_kelurahan"], w["kode_kecamatan"]) for w in wilayah]
        kecamatan = sorted({w["kode_kecamatan"] for w in wilayah})
        informal = read_seed("pekerjaan_informal.csv")
        self.informal = tuple(r["pekerjaan_utama"] for r in informal)
        self.informal_set = frozenset(self.informal)
        self.kategori = {r["pekerjaan_utama"]: r["kategori_informal"] for r in informal}
        others = [r["pekerjaan_utama"] for r in read_seed("pekerjaan_lain.csv")]
        missing = {STUDENT, NO_WORK, HOMEMAKER, RETIRED} - set(others)
        if missing:
            raise ValueError(f"pekerjaan_lain.csv lacks {sorted(missing)}")
        self.other_jobs = Table(others, [OTHER_JOB_WEIGHTS.get(j, 1) for j in others])
        self.regions = [(kec, "BEKASI") for kec in kecamatan] + list(OUTSIDE_REGIONS)
        self.region_index = {code: i for i, (code, _) in enumerate(self.regions)}
        self.bekasi_regions = len(kecamatan)
        self.serials = array("H", bytes(2 * len(self.regions) * DAY_SPAN * 2))
        self.kpj_seq = 0
        self.names = name_pools(seed)
        self.sizes = Table(range(1, 8), HOUSEHOLD_SIZE_WEIGHTS)
        self.desils = Table(range(1, 11), DESIL_WEIGHTS)
        self.variants: Counter[str] = Counter()  # natural DTSEN quirks
        self.program_first: set[str] = set()  # NIKs with a program membership before selection

    def new_nik(self, region: int, dob: int, sex: str) -> str:
        """A NIK unique by construction: a serial counter per (region, birth date, sex)."""
        slot = (region * DAY_SPAN + dob - FIRST_BIRTH.toordinal()) * 2 + (sex == "P")
        self.serials[slot] += 1
        born = dt.date.fromordinal(dob)
        day = born.day + (40 if sex == "P" else 0)
        birth = f"{day:02d}{born.month:02d}{born.year % 100:02d}"
        return f"{self.regions[region][0]}{birth}{self.serials[slot]:04d}"

    def new_kpj(self, year: int) -> str:
        self.kpj_seq += 1
        return f"{year % 100:02d}{self.kpj_seq:09d}"

    def random_day(self, first: dt.date, last: dt.date) -> dt.date:
        return dt.date.fromordinal(self.rng.randint(first.toordinal(), last.toordinal()))


# === household layout and defect schedule =======================================================
def draw_layout(w: World, people: int) -> tuple[array, array]:
    """Household sizes (summing exactly to people) and their desil, drawn up front (bytes each)."""
    sizes, desils = array("B"), array("B")
    left = people
    while left:
        size = min(w.sizes.pick(w.rng), left)
        sizes.append(size)
        desils.append(w.desils.pick(w.rng))
        left -= size
    return sizes, desils


class Scheduler:
    """Picks distinct households for the defects, each needing a desil band and a size."""

    def __init__(self, w: World, sizes: array, desils: array):
        self.w, self.sizes, self.desils = w, sizes, desils
        self.low = array("I", (h for h, d in enumerate(desils) if d <= w.max_desil))
        self.high = array("I", (h for h, d in enumerate(desils) if d > w.max_desil)) or self.low
        self.used: set[int] = set()
        self.tokens: dict[int, tuple[str, int, int]] = {}

    def draw(self, pool: array, size_ok) -> int:
        for _ in range(10_000):
            h = pool[self.w.rng.randrange(len(pool))]
            if h not in self.used and size_ok(self.sizes[h]):
                return h
        raise ValueError("too few households for the defect minimums; generate more people")

    def place(self, kind: str, count: int, size_ok=lambda s: True) -> None:
        for i in range(count):
            h = self.draw(self.low, size_ok)
            self.used.add(h)
            self.tokens[h] = (kind, i, -1)

    def place_duplicate_pairs(self, count: int) -> None:
        """The same NIK in two households: its own (source) and a later one (clone)."""
        pools = {
            "first_row_lower_desil": (self.low, self.high),
            "second_row_lower_desil": (self.high, self.low),
            "same_desil": (self.low, self.low),
        }
        for k in range(count):
            variant = k % len(DUPLICATE_KINDS)
            src_pool, dst_pool = pools[DUPLICATE_KINDS[variant]]
            while True:
                src, dst = self.draw(src_pool, lambda s: True), self.draw(dst_pool, lambda s: s >= 2)
                if src < dst:
                    break
            if DUPLICATE_KINDS[variant] == "same_desil":
                self.desils[dst] = self.desils[src]
            self.used.update((src, dst))
            self.tokens[src] = ("dup_source", variant, k)
            self.tokens[dst] = ("dup_clone", variant, k)


def schedule_defects(w: World, sizes: array, desils: array, people: int) -> tuple[dict, dict]:
    """Household index -> (kind, variant, pair) for every household-level defect, and the counts."""
    plan = Scheduler(w, sizes, desils)
    counts = {kind: share_count(rate_min, people) for kind, rate_min in HOUSEHOLD_DEFECTS.items()}
    counts["dtsen_duplicate"] = share_count(DTSEN_DUPLICATE_PAIRS, people)
    plan.place_duplicate_pairs(counts["dtsen_duplicate"])
    for kind in HOUSEHOLD_DEFECTS:
        # a quarantined DTSEN row must not change any candidate's household size: live alone
        plan.place(kind, counts[kind], (lambda s: s == 1) if kind == "bad_nik" else (lambda s: True))
    return plan.tokens, counts


# === people ===================================================================================
def member_specs(rng: random.Random, size: int, forced: bool) -> list[tuple[str, str, int]]:
    """(hubungan_keluarga, sex, age) of each member, the head first."""
    head_sex = "L" if rng.random() < 0.82 else "P"
    if forced:
        head_age = rng.randint(25, 60)
    else:
        head_age = rng.randint(18, 90) if size == 1 else rng.randint(22, 75)
    specs = [("KEPALA KELUARGA", head_sex, head_age)]
    for i in range(1, size):
        r = rng.random()
        if i == 1 and r < 0.85:
            specs.append(
                (
                    "ISTRI" if head_sex == "L" else "SUAMI",
                    "P" if head_sex == "L" else "L",
                    max(18, min(MAX_AGE_YEARS, head_age + rng.randint(-8, 5))),
                )
            )
            continue
        sex = "L" if rng.random() < 0.5 else "P"
        if r < 0.05 and head_age <= 65:
            specs.append(("ORANG TUA", sex, min(MAX_AGE_YEARS, head_age + rng.randint(20, 28))))
        elif r < 0.09 and head_age >= 45:
            specs.append(("CUCU", sex, rng.randint(0, 8)))
        elif r < 0.13:
            specs.append(("FAMILI LAIN", sex, rng.randint(10, 60)))
        else:
            specs.append(("ANAK", sex, rng.randint(0, max(0, min(head_age - 18, 35)))))
    return specs


def job_for(w: World, age: int, rel: str, sex: str, desil: int) -> str:
    """DTSEN occupation: informal work far more likely in low deciles; children at school."""
    rng = w.rng
    if age < 5:
        return NO_WORK
    if age < 18:  # a few 15-17 year-olds already work (they fail the age rule)
        r = rng.random()
        return rng.choice(w.informal) if r < 0.01 and age >= 15 else NO_WORK if r < 0.03 else STUDENT
    if age <= 22 and rng.random() < 0.35:
        return STUDENT
    if age > 65:
        r = rng.random()
        return rng.choice(w.informal) if r < 0.15 else RETIRED if desil >= 7 and r < 0.6 else NO_WORK
    if rng.random() < INFORMAL_SHARE[desil - 1]:
        return rng.choice(w.informal)
    if sex == "P" and rel in ("ISTRI", "KEPALA KELUARGA") and rng.random() < 0.6:
        return HOMEMAKER
    return w.other_jobs.pick(rng)


def person_name(w: World, sex: str) -> str:
    rng = w.rng
    first = rng.choice(w.names["male"] if sex == "L" else w.names["female"])
    r = rng.random()
    if r < 0.45:
        return f"{first} {rng.choice(w.names['family'])}"
    if r < 0.65:
        return f"{first} {rng.choice(w.names['male'] if sex == 'L' else w.names['female'])}"
    return first


def birth_region(w: World, hh: Household, age: int) -> int:
    """Place of first registration: Bekasi for most, elsewhere for many migrant adults."""
    rng = w.rng
    if rng.random() < (0.35 if age >= 18 else 0.08):
        return w.bekasi_regions + rng.randrange(len(OUTSIDE_REGIONS))
    return w.region_index[hh.kec] if rng.random() < 0.85 else rng.randrange(w.bekasi_regions)


def forced_birth(w: World, kind: str) -> int | None:
    """Dukcapil birth date of an age-boundary head (ages on the first day of coverage)."""
    start, lo, hi = w.coverage_start, int(w.params["min_age"]), int(w.params["max_age"])
    turns = {
        "age_min_exact": (lo, 0),
        "age_min_short": (lo, 1),
        "age_max_exact": (hi, 0),
        "age_max_last_day": (hi + 1, 1),
        "age_max_over": (hi + 1, 0),
    }
    if kind not in turns:
        return None
    years, days_after = turns[kind]
    born = start.replace(year=start.year - years) + dt.timedelta(days=days_after)
    if not FIRST_BIRTH <= born <= BORN_BY:
        raise ValueError(f"{kind}: birth date {born} outside the synthetic range")
    return born.toordinal()


def new_person(w: World, hh: Household, spec: tuple[str, str, int], token: tuple | None) -> Person:
    rel, sex, age = spec
    rng = w.rng
    kind = token[0] if token else None
    dob = forced_birth(w, kind) if kind else None
    if dob is None:
        dob = BORN_BY.toordinal() - int(age * 365.25) - rng.randrange(365)
    else:
        age = age_on(dt.date.fromordinal(dob), w.coverage_start)
    if kind == "moved_in":
        region = w.region_index[MOVED_IN_REGIONS[token[1] % len(MOVED_IN_REGIONS)]]
    else:
        region = birth_region(w, hh, age)
    job = rng.choice(w.informal) if token else job_for(w, age, rel, sex, hh.desil)
    return Person(
        w.new_nik(region, dob, sex),
        person_name(w, sex),
        sex,
        dob,
        rel,
        age,
        job,
        w.regions[region][1],
        token is not None,
    )


def new_household(w: World, h: int, size: int, desil: int, token: tuple | None) -> Household:
    rng = w.rng
    kel, kec = rng.choice(w.kelurahan)
    kel_now = rng.choice(w.kelurahan)[0] if rng.random() < MOVED_WITHIN_SHARE else kel
    alamat = f"{rng.choice(w.names['street'])} NO. {rng.randint(1, 150)}"
    if rng.random() < 0.2:
        alamat += f", BLOK {rng.choice('ABCDEFGH')}{rng.randint(1, 20)}"
    updated = iso(rng.randint(dt.date(2022, 1, 1).toordinal(), DUKCAPIL_DATES[0].toordinal()))
    hid = f"{w.kode_kota}{(h * 618_033_988_749 + 1_234_567) % 10**12:012d}"  # file order != id order
    no_kk = f"{kec}{(h * 48_271 + 9_173) % 10**10:010d}"
    desil_text = "" if token and token[0] == "desil_empty" else str(desil)
    return Household(
        hid,
        no_kk,
        kel,
        kec,
        kel_now,
        desil,
        desil_text,
        alamat,
        f"{rng.randint(1, 15):03d}",
        f"{rng.randint(1, 12):03d}",
        updated,
        size,
    )


# === rows =====================================================================================
def dtsen_birth(w: World, p: Person) -> str:
    """DTSEN's own birth date: usually Dukcapil's, sometimes a placeholder or a slip."""
    if w.rng.random() >= DOB_DIFFERS_SHARE:
        return dmy(p.dob)
    born = dt.date.fromordinal(p.dob)
    if w.rng.random() < 0.5 and (born.day, born.month) != (1, 1):
        other = born.replace(day=1, month=1)
    else:
        other = born + dt.timedelta(days=w.rng.choice((-1, 1)) * w.rng.randint(1, 400))
        other = min(other, BORN_BY)
    w.variants["dtsen_birth_date_differs"] += 1
    return dmy(other.toordinal())


def dtsen_job(w: World, job: str) -> str:
    """Free-ish text: some lower case or doubled spaces, which still map once normalised."""
    if w.rng.random() >= JOB_VARIANT_SHARE:
        return job
    w.variants["pekerjaan_variant"] += 1
    r = w.rng.random()
    if r < 0.4 or " " not in job:
        return job.lower()
    if r < 0.7:
        return job.replace(" ", "  ", 1)
    return f" {job.title()} "


def dukcapil_job(w: World, job: str) -> str:
    if job in w.informal_set:
        return DUKCAPIL_JOB_BY_KATEGORI.get(w.kategori[job], "WIRASWASTA")
    return job


def marital(p: Person) -> str:
    if p.age < 18 or p.rel in ("ANAK", "CUCU"):
        return "BELUM KAWIN"
    if p.rel in ("ISTRI", "SUAMI"):
        return "KAWIN"
    return "CERAI MATI" if p.age > 65 else "KAWIN"


def membership(w: World, p: Person, segmen: str, payer: str, active: bool, start: dt.date) -> list[str]:
    end = "" if active else w.random_day(start + dt.timedelta(days=30), KEPESERTAAN_DATES[0]).isoformat()
    return [
        p.nik,
        w.new_kpj(start.year),
        p.name,
        segmen,
        payer,
        "AKTIF" if active else "NONAKTIF",
        start.isoformat(),
        end,
    ]


def natural_memberships(w: World, hh: Household, p: Person) -> list[list[str]]:
    """Cover some people already have; the city asked BPJS about adults of its low deciles."""
    if p.forced or hh.desil > w.max_desil or not 18 <= p.age <= 65:
        return []
    rng = w.rng
    r = rng.random()
    adult = dt.date.fromordinal(p.dob + 6575)  # about the 18th birthday
    start = w.random_day(max(dt.date(2018, 1, 1), adult), max(dt.date(2025, 6, 30), adult))
    if p.job in EMPLOYEE_JOBS:
        return [membership(w, p, "PU", "PEMBERI_KERJA", True, start)] if r < 0.6 else []
    if p.job not in w.informal_set:
        return [membership(w, p, "PMI", "MANDIRI", False, start)] if r < 0.005 else []
    if r < 0.03:
        return [membership(w, p, "BPU", "MANDIRI", True, start)]
    if r < 0.045:
        return [membership(w, p, "BPU", "PEMPROV_JABAR", True, start)]
    if r < 0.05:
        return [membership(w, p, "BPU", "CSR", True, start)]
    if r < 0.09:
        return [membership(w, p, "BPU", "MANDIRI", False, start)]
    if r < 0.1 and p.job.startswith("KULI"):
        return [membership(w, p, "JAKON", "PEMBERI_KERJA", True, start)]
    return []


def person_rows(w: World, hh: Household, p: Person) -> Rows:
    dtsen = [
        hh.id,
        p.nik,
        hh.no_kk,
        p.name,
        p.rel,
        p.sex,
        dtsen_birth(w, p),
        hh.kel,
        hh.desil_text,
        dtsen_job(w, p.job),
    ]
    dukcapil = [
        p.nik,
        hh.no_kk,
        p.name,
        "LAKI-LAKI" if p.sex == "L" else "PEREMPUAN",
        p.birthplace,
        iso(p.dob),
        marital(p),
        dukcapil_job(w, p.job),
        hh.kel_now,
        hh.alamat,
        hh.rt,
        hh.rw,
        "HIDUP",
        "",
        max(hh.updated, iso(p.dob + 7)),
    ]
    return Rows(dtsen, [dukcapil], natural_memberships(w, hh, p))


def corrupt_nik(nik: str, kind: str) -> str:
    """An invalid NIK of each kind extracts.md's check rejects."""
    return {
        "short": nik[:15],
        "long": nik + "7",
        "letters": nik[:9] + "O" + nik[10:],
        "province_00": "00" + nik[2:],
        "province_99": "99" + nik[2:],
        "day_00": nik[:6] + "00" + nik[8:],
        "day_35": nik[:6] + "35" + nik[8:],
        "day_75": nik[:6] + "75" + nik[8:],
        "month_13": nik[:8] + "13" + nik[10:],
        "serial_0000": nik[:12] + "0000",
    }[kind]


def spaced_nik(nik: str, variant: int) -> str:
    if variant % 2:
        return f"{nik[:6]} {nik[6:12]} {nik[12:]}"
    return " ".join(nik[i : i + 4] for i in range(0, 16, 4))


def apply_defect(w: World, token: tuple, hh: Household, p: Person, rows: Rows) -> None:
    """Give the head's rows the household's defect."""
    kind, variant, _ = token
    rng = w.rng
    duk = rows.dukcapil[0]
    if kind == "nik_apostrophe":
        rows.dtsen[1] = "'" + p.nik
    elif kind == "nik_spaces":
        rows.dtsen[1] = spaced_nik(p.nik, variant)
    elif kind == "bad_nik":
        rows.dtsen[1] = corrupt_nik(p.nik, BAD_NIK_KINDS[variant % len(BAD_NIK_KINDS)])
    elif kind == "not_in_dukcapil":
        rows.dukcapil = []
    elif kind == "moved_out":
        duk[8] = OUTSIDE_ADDRESSES[variant % len(OUTSIDE_ADDRESSES)]
    elif kind in ("deceased", "death_date_missing"):
        duk[12] = "MATI"
        if kind == "deceased":
            duk[13] = w.random_day(dt.date(2023, 1, 1), DUKCAPIL_DATES[0] - dt.timedelta(days=1)).isoformat()
    elif kind == "dukcapil_duplicate":
        rows.dukcapil.append(duk[:9] + [f"{duk[9]} (PINDAH RT)", f"{rng.randint(1, 15):03d}"] + duk[11:])
    elif kind == "bad_birth_date":
        duk[5] = BAD_DATE_KINDS[variant % len(BAD_DATE_KINDS)]
    elif kind.startswith("covered_"):
        payer = kind.removeprefix("covered_").upper()
        start = w.random_day(dt.date(2019, 1, 1), dt.date(2025, 9, 30))
        segmen = ("JAKON" if variant % 2 else "PU") if payer == "PEMBERI_KERJA" else "BPU"
        rows.kepesertaan.append(membership(w, p, segmen, payer, True, start))
    elif kind == "nonaktif_other_payer":
        start = w.random_day(dt.date(2019, 1, 1), dt.date(2024, 12, 31))
        payer = OTHER_PAYERS[variant % len(OTHER_PAYERS)]
        rows.kepesertaan.append(membership(w, p, "BPU", payer, False, start))
    elif kind == "earlier_cohort":
        start = w.random_day(dt.date(2025, 1, 1), dt.date(2025, 3, 31))
        rows.kepesertaan.append(membership(w, p, "BPU", w.payer, True, start))


# === stream the selection-time snapshot =========================================================
class SelectionSnapshot:
    """The DTSEN, first Dukcapil and first BPJS files, written person by person."""

    def __init__(self, w: World, root: Path):
        self.w = w
        self.dtsen = FeedWriter(
            root, f"dtsen/dtsen_{DTSEN_DATE:%Y%m%d}.csv", DTSEN_COLUMNS, Layout(bom=True, crlf=True)
        )
        self.dukcapil = FeedWriter(
            root,
            f"dukcapil/dukcapil_{DUKCAPIL_DATES[0]:%Y%m%d}.csv",
            DUKCAPIL_COLUMNS,
            Layout(shuffled=True, fancy_header=True),
        )
        self.kepesertaan = FeedWriter(
            root,
            kepesertaan_name(KEPESERTAAN_DATES[0]),
            KEPESERTAAN_COLUMNS,
            Layout(crlf=True, extra=True, fancy_header=True),
        )
        self.dukcapil_duplicates: set[str] = set()
        self.dtsen_duplicates = 0

    def write_dtsen(self, row: list[str]) -> bool:
        problem = dtsen_problem(row)
        self.dtsen.write(row, problem)
        return problem is None

    def write(self, rows: Rows) -> tuple[bool, list[str] | None, list[list[str]]]:
        """Write one person's rows; return what the loader would keep of them."""
        dtsen_ok = self.write_dtsen(rows.dtsen)
        duplicate = len(rows.dukcapil) > 1
        if duplicate:
            self.dukcapil_duplicates.add(normalise_id(rows.dukcapil[0][0]))
        problems = ["DUPLICATE_NIK" if duplicate else dukcapil_problem(r) for r in rows.dukcapil]
        for row, problem in zip(rows.dukcapil, problems, strict=True):
            self.dukcapil.write(row, problem)
        present = rows.dukcapil[0] if len(rows.dukcapil) == 1 and problems[0] is None else None
        members = []
        for row in rows.kepesertaan:
            problem = kepesertaan_problem(row)
            self.kepesertaan.write(row, problem)
            if problem is None:
                members.append(row)
                if row[4].strip() == self.w.payer:
                    self.w.program_first.add(normalise_id(row[0]))
        return dtsen_ok, present, members

    def close(self) -> dict:
        return {f.name: f.close() for f in (self.dtsen, self.dukcapil, self.kepesertaan)}


def stream_population(w: World, root: Path, people: int) -> tuple[Eligibility, dict, dict, SelectionSnapshot]:
    sizes, desils = draw_layout(w, people)
    tokens, defect_counts = schedule_defects(w, sizes, desils, people)
    oracle = Eligibility(w)
    snapshot = SelectionSnapshot(w, root)
    pending: dict[int, tuple] = {}  # duplicate-NIK sources waiting for their clone row
    for h, size in enumerate(sizes):
        token = tokens.get(h)
        cloned = token is not None and token[0] == "dup_clone"
        head_token = None if cloned else token
        hh = new_household(w, h, size, desils[h], head_token)
        for i, spec in enumerate(member_specs(w.rng, size - cloned, head_token is not None)):
            p = new_person(w, hh, spec, head_token if i == 0 else None)
            rows = person_rows(w, hh, p)
            if i == 0 and head_token:
                apply_defect(w, head_token, hh, p, rows)
            dtsen_ok, duk, members = snapshot.write(rows)
            if i == 0 and head_token and head_token[0] == "dup_source":
                pending[head_token[2]] = (p, (rows.dtsen, size), duk, members)
            elif dtsen_ok:
                oracle.add(rows.dtsen, size, duk, members)
        if cloned:
            write_clone(w, snapshot, oracle, hh, token, pending.pop(token[2]))
    return oracle, defect_counts, snapshot.close(), snapshot


def write_clone(
    w: World, snapshot: SelectionSnapshot, oracle: Eligibility, hh: Household, token: tuple, source: tuple
) -> None:
    """The second DTSEN row of a duplicated NIK, in another household; then judge the NIK once."""
    p, first, duk, members = source
    job = "KARYAWAN SWASTA" if DUPLICATE_KINDS[token[1]] == "same_desil" else w.rng.choice(w.informal)
    row = [hh.id, p.nik, hh.no_kk, p.name, "FAMILI LAIN", p.sex, dmy(p.dob), hh.kel, hh.desil_text, job]
    snapshot.write_dtsen(row)
    snapshot.dtsen_duplicates += 1
    dtsen, size = resolve_duplicate(first, (row, hh.size))
    oracle.add(dtsen, size, duk, members)


# === enrolment and the programme year (program-rules.md section 5) ==============================
@dataclass(slots=True)
class Participant:
    nik: str
    name: str
    kpj: str
    registered: dt.date  # earliest programme tgl_kepesertaan
    enrolled: int  # index of the enrolled month among the payment periods
    died: dt.date | None = None
    replacement: bool = False


@dataclass(frozen=True, slots=True)
class Slot:
    """A place freed by a participant's death, from the month after exit_month (period indexes)."""

    exit_month: int
    priority_rank: int
    nik: str
    seen: dt.date  # the Dukcapil snapshot that first shows the death: when the city learns of it


@dataclass(frozen=True, slots=True)
class Call:
    slot: Slot
    waitlist_rank: int
    nik: str
    called: dt.date
    registered: dt.date | None  # tgl_kepesertaan of the KPJ BPJS gives, if within the last snapshot


def registration_day(w: World, year: int, month: int) -> dt.date:
    """Mostly the 1st, some mid-month, a few after the due day (their first premium is late)."""
    due = int(w.params["payment_due_day"])
    r = w.rng.random()
    day = 1 if r < 0.55 else w.rng.randint(2, due) if r < 0.85 else w.rng.randint(due + 1, 28)
    return dt.date(year, month, day)


def registration_months(w: World, periods: list[tuple[int, int]]) -> Table:
    months = [m for m in periods[:3] if dt.date(*m, 1) <= KEPESERTAAN_DATES[-1]]
    if not months:
        raise ValueError("coverage must start by the last membership snapshot")
    return Table(months, (45, 35, 20)[: len(months)])


def programme_row(w: World, nik: str, name: str, start: dt.date) -> list[str]:
    return [nik, w.new_kpj(start.year), name, "BPU", w.payer, "AKTIF", start.isoformat(), ""]


def plan_registrations(w: World, selected: list[tuple], periods) -> dict:
    """BPJS registers the selected people in the first months of the year; a few never, a few twice."""
    rng = w.rng
    order = [s[3] for s in selected]
    names = {s[3]: s[4] for s in selected}
    open_roles = [nik for nik in order if nik not in w.program_first]
    shuffled = rng.sample(open_roles, len(open_roles))
    n_never = min(share_count(ENROLMENT_DEFECTS["never_registered"], len(order)), len(shuffled) // 4)
    n_multi = min(share_count(ENROLMENT_DEFECTS["multiple_kpj"], len(order)), len(shuffled) // 4)
    never, multi = set(shuffled[:n_never]), set(shuffled[n_never : n_never + n_multi])
    months = registration_months(w, periods)
    rows = []
    for nik in order:
        if nik in never or nik in w.program_first:
            continue
        first = registration_day(w, *months.pick(rng))
        again = min(first + dt.timedelta(days=rng.randint(10, 40)), KEPESERTAAN_DATES[-1])
        rows.extend(programme_row(w, nik, names[nik], start) for start in ([first, again] if nik in multi else [first]))
    return {"rows": rows, "order": order, "names": names, "never": never}


def programme_kpjs(w: World, rows, wanted: set[str]) -> dict[str, list[tuple[str, str]]]:
    """(tgl_kepesertaan, kpj) of every loadable programme membership of the wanted NIKs."""
    program: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        nik = normalise_id(row[0])
        if nik in wanted and row[4].strip() == w.payer and kepesertaan_problem(row) is None:
            program.setdefault(nik, []).append((row[6].strip(), row[1].strip()))
    return program


def period_index(day: dt.date, periods) -> int:
    return (day.year - periods[0][0]) * 12 + day.month - periods[0][1]


def enrol(nik: str, name: str, kpjs: list[tuple[str, str]] | None, periods, earliest: int = 0) -> Participant | None:
    """Enrolled = a programme KPJ; the earliest tgl_kepesertaan wins, its month never before `earliest`."""
    if not kpjs:
        return None
    tgl, kpj = min(kpjs)
    start = dt.date.fromisoformat(tgl)
    return Participant(nik, name, kpj, start, max(period_index(start, periods), earliest, 0))


def plan_deaths(w: World, participants: list[Participant], multiple: set[str], periods) -> dict[str, dt.date]:
    """Deaths in 2026 among participants, spread over the months; one on a month's last day, one on a first."""
    last_index = len(periods) - 2  # leave a month after the death for PAID_AFTER_DEATH
    pool = [
        p
        for p in participants
        if p.nik not in multiple and p.nik not in w.program_first and p.enrolled <= last_index - 1
    ]
    count = min(share_count(ENROLMENT_DEFECTS["died_2026"], len(participants)), len(pool))
    deaths = {}
    for i, p in enumerate(w.rng.sample(pool, count)):
        y, m = periods[w.rng.randint(p.enrolled + 1, last_index)]
        if i == 0:
            died = month_end(y, m)
        elif i == 1:
            died = dt.date(y, m, 1)
        else:
            died = w.random_day(max(p.registered + dt.timedelta(days=1), dt.date(y, m, 1)), month_end(y, m))
        deaths[p.nik] = died
    return deaths


def civil_changes(w: World, deaths: dict[str, dt.date], waitlist_changes: dict[str, tuple[str, dt.date]]) -> dict:
    """NIK -> (day Dukcapil records it, {column: new value}) for the deaths and the waitlisted who move or die."""
    changes = {}
    for nik, died in deaths.items():
        recorded = min(died + dt.timedelta(days=w.rng.randint(3, 20)), DUKCAPIL_DATES[-1])
        changes[nik] = (recorded, {12: "MATI", 13: died.isoformat(), 14: recorded.isoformat()})
    for i, (nik, (kind, day)) in enumerate(waitlist_changes.items()):
        if kind == "died":
            changes[nik] = (day, {12: "MATI", 13: day.isoformat(), 14: day.isoformat()})
        elif kind == "moved_out":
            changes[nik] = (day, {8: OUTSIDE_ADDRESSES[i % len(OUTSIDE_ADDRESSES)], 14: day.isoformat()})
    return changes


def plan_waitlist_changes(w: World, waitlist: list[tuple], slots: int) -> dict[str, tuple[str, dt.date]]:
    """A few waitlisted people who would be called stop being eligible in January: they are skipped."""
    reach = waitlist[:slots]
    chosen = w.rng.sample(reach, min(len(WAITLIST_CHANGES), len(reach)))
    return {
        person[3]: (kind, w.random_day(dt.date(2026, 1, 2), dt.date(2026, 1, 20)))
        for kind, person in zip(WAITLIST_CHANGES, chosen, strict=False)
    }


def write_dukcapil_snapshots(
    w: World, root: Path, first_file: Path, changes: dict, duplicates: set[str], watch: set[str], waitlist: set[str]
) -> tuple[dict, dict, dict]:
    """The monthly civil registry of 2026: the November one again, each change from the month it is recorded.

    Returns the file summaries, the death date the latest snapshot shows for each watched NIK, and the
    Dukcapil reasons the latest snapshot gives against waitlisted NIKs (only those with one).
    """
    # one layout for all months, so each unchanged row is formatted once for every file
    outs = [
        (day, FeedWriter(root, f"dukcapil/dukcapil_{day:%Y%m%d}.csv", DUKCAPIL_COLUMNS, Layout(bom=True, extra=True)))
        for day in DUKCAPIL_DATES[1:]
    ]
    formatter = outs[0][1]
    oracle = Eligibility(w)
    seen: dict[str, dt.date] = {}
    failing: dict[str, list[str]] = {}
    unseen = set(waitlist)
    for row in read_rows(first_file, DUKCAPIL_COLUMNS):
        nik = normalise_id(row[0])
        base = "DUPLICATE_NIK" if nik in duplicates else dukcapil_problem(row)
        recorded, values = changes.get(nik, (None, None))
        current, problem = row, base
        text = formatter.text(row)
        for day, out in outs:
            if recorded is not None and recorded <= day and current is row:
                current = [values.get(i, v) for i, v in enumerate(row)]
                problem = "DUPLICATE_NIK" if nik in duplicates else dukcapil_problem(current)
                text = formatter.text(current)
            out.write_text(text, problem)
        if problem is None and nik in watch and current[12].strip() == "MATI":
            seen[nik] = parse_date(current[13])
        if nik in waitlist:
            unseen.discard(nik)
            reasons = oracle.civil_reasons(current if problem is None else None, DUKCAPIL_DATES[-1])
            if reasons:
                failing[nik] = reasons
    failing.update((nik, ["NOT_IN_DUKCAPIL"]) for nik in unseen)
    return {out.name: out.close() for _, out in outs}, seen, failing


def first_seen(recorded: dt.date) -> dt.date:
    """The first Dukcapil snapshot dated on or after the day a change is recorded."""
    return next(day for day in DUKCAPIL_DATES[1:] if day >= recorded)


def call_replacements(
    slots: list[Slot], candidates: list[tuple[int, str]], headroom_idr: int, monthly_idr: int, months: int
) -> list[tuple[Slot, int, str]]:
    """Section 5: one still-eligible waitlisted person per freed slot, in the order the slots were freed
    (exit month, then the exited person's priority rank), while the headroom covers the slot's months."""
    calls = []
    ordered = sorted(slots, key=lambda s: (s.exit_month, s.priority_rank))
    for slot, (rank, nik) in zip(ordered, candidates, strict=False):
        cost = monthly_idr * (months - 1 - slot.exit_month)
        if cost > headroom_idr:
            break
        headroom_idr -= cost
        calls.append((slot, rank, nik))
    return calls


def committed_idr(
    participants: list[Participant], deaths: dict[str, dt.date], periods, monthly: int, months: int
) -> int:
    """Section 6's projection before any replacement, on expected premiums: every enrolled participant's
    months from enrolled_month through the month of death or coverage_end_month."""
    return sum(
        monthly * ((period_index(deaths[p.nik], periods) if p.nik in deaths else months - 1) - p.enrolled + 1)
        for p in participants
    )


def register_calls(w: World, calls: list[tuple[Slot, int, str]]) -> list[Call]:
    """The city sends the list to BPJS a few days after the snapshot that shows the death; BPJS registers
    each replacement a few weeks later, or after the last snapshot (still pending then)."""
    out = []
    for slot, rank, nik in calls:
        called = slot.seen + dt.timedelta(days=w.rng.randint(1, 5))
        registered = called + dt.timedelta(days=w.rng.randint(14, 35))
        out.append(Call(slot, rank, nik, called, registered if registered <= KEPESERTAAN_DATES[-1] else None))
    return out


def plan_uncalled(w: World, uncalled: list[tuple[int, str]], base: int) -> list[tuple[int, str, dt.date]]:
    """The known BPJS defect: a waitlisted person nobody called gets a programme KPJ (the next in line and
    others further down)."""
    count = min(share_count(ENROLMENT_DEFECTS["uncalled_registered"], base), len(uncalled))
    picked = uncalled[:1] + w.rng.sample(uncalled[1:], max(count - 1, 0)) if count else []
    return [(rank, nik, w.random_day(dt.date(2026, 4, 1), dt.date(2026, 9, 30))) for rank, nik in picked]


def write_kepesertaan_snapshots(
    w: World, root: Path, first_file: Path, new_rows: list[list[str]], watch: set[str]
) -> tuple[dict, dict]:
    """The monthly BPJS membership checks of 2026: the December rows again plus every membership that
    started by the snapshot date. Returns the summaries and the programme KPJs of the watched NIKs as the
    latest snapshot shows them."""
    new_rows = sorted(new_rows, key=lambda r: (r[6], r[1]))
    summaries, program = {}, {}
    for k, day in enumerate(KEPESERTAAN_DATES[1:]):
        out = FeedWriter(root, kepesertaan_name(day), KEPESERTAAN_COLUMNS, monthly_layout(k + 1))
        shown = [r for r in new_rows if r[6] <= day.isoformat()]
        for row in itertools.chain(read_rows(first_file, KEPESERTAAN_COLUMNS), shown):
            out.write(row, kepesertaan_problem(row))
        summaries[out.name] = out.close()
    latest = root / kepesertaan_name(KEPESERTAAN_DATES[-1])
    program = programme_kpjs(w, read_rows(latest, KEPESERTAAN_COLUMNS), watch)
    return summaries, program


def still_covered(w: World, first_file: Path, cover_rows: list[list[str]], waitlist: set[str]) -> set[str]:
    """Waitlisted NIKs with an AKTIF membership of another payer in the latest BPJS snapshot (which is the
    December one plus programme registrations plus these new covers)."""
    oracle = Eligibility(w)
    rows = [
        r
        for r in itertools.chain(read_rows(first_file, KEPESERTAAN_COLUMNS), cover_rows)
        if normalise_id(r[0]) in waitlist and kepesertaan_problem(r) is None
    ]
    return {normalise_id(r[0]) for r in rows if oracle.covered([r])}


class Year:
    """The programme year after selection: registrations, deaths, the waiting list, replacements."""

    def __init__(self, w: World, root: Path, snapshot: SelectionSnapshot, ranked: list[tuple], periods):
        self.w, self.root, self.periods = w, root, periods
        capacity = w.money["capacity"]
        self.selected, self.waitlist = ranked[:capacity], ranked[capacity:]
        self.rank = {r[3]: i for i, r in enumerate(self.selected, 1)}  # only selected people die
        self.names = {r[3]: r[4] for r in self.selected}  # and the few waitlisted people the year touches
        self.dukcapil_first = root / snapshot.dukcapil.name
        self.kepesertaan_first = root / snapshot.kepesertaan.name
        self.duplicates = snapshot.dukcapil_duplicates

    def play(self, payees: dict) -> Year:
        w, periods = self.w, self.periods
        monthly, months = w.money["monthly_premium_idr"], w.money["months_covered"]
        reg = plan_registrations(w, self.selected, periods)
        self.order, self.never = reg["order"], reg["never"]
        chosen = set(self.order)
        program = programme_kpjs(
            w, itertools.chain(read_rows(self.kepesertaan_first, KEPESERTAAN_COLUMNS), reg["rows"]), chosen
        )
        cohort = [p for nik in self.order if (p := enrol(nik, self.names[nik], program.get(nik), periods))]
        multiple = {nik for nik, kpjs in program.items() if len(kpjs) > 1}
        deaths = plan_deaths(w, cohort, multiple, periods)
        self.waitlist_changes = plan_waitlist_changes(w, self.waitlist, len(deaths))
        self.names.update((r[3], r[4]) for r in self.waitlist if r[3] in self.waitlist_changes)
        changes = civil_changes(w, deaths, self.waitlist_changes)
        payees["never_registered"] = [(nik, self.names[nik]) for nik in self.order if nik in self.never]
        watch = chosen | {nik for group in payees.values() for nik, _ in group}
        waitlisted = {r[3] for r in self.waitlist}
        self.dukcapil_files, self.deaths, failing = write_dukcapil_snapshots(
            w, self.root, self.dukcapil_first, changes, self.duplicates, watch, waitlisted
        )

        covers = [
            [nik, w.new_kpj(day.year), self.names[nik], "BPU", "MANDIRI", "AKTIF", day.isoformat(), ""]
            for nik, (kind, day) in self.waitlist_changes.items()
            if kind == "covered"
        ]
        for nik in still_covered(w, self.kepesertaan_first, covers, waitlisted):
            failing.setdefault(nik, []).append("ALREADY_COVERED")
        self.failing = failing
        candidates = [(i, r[3]) for i, r in enumerate(self.waitlist, 1) if r[3] not in failing]
        slots = [
            Slot(period_index(self.deaths[p.nik], periods), self.rank[p.nik], p.nik, first_seen(changes[p.nik][0]))
            for p in cohort
            if p.nik in self.deaths
        ]
        self.slots = slots
        self.headroom_idr = int(w.params["budget_idr"]) - committed_idr(cohort, self.deaths, periods, monthly, months)
        self.calls = register_calls(w, call_replacements(slots, candidates, self.headroom_idr, monthly, months))
        called = {c.nik for c in self.calls}
        last_candidate = max((c.waitlist_rank for c in self.calls), default=0)
        self.uncalled = plan_uncalled(w, [c for c in candidates if c[0] > last_candidate], len(self.order))
        touched = called | {nik for _, nik, _ in self.uncalled}
        self.names.update((r[3], r[4]) for r in self.waitlist if r[3] in touched)

        new_rows = reg["rows"] + covers
        new_rows += [programme_row(w, c.nik, self.names[c.nik], c.registered) for c in self.calls if c.registered]
        new_rows += [programme_row(w, nik, self.names[nik], day) for _, nik, day in self.uncalled]
        self.kepesertaan_files, self.program = write_kepesertaan_snapshots(
            w, self.root, self.kepesertaan_first, new_rows, chosen | called | {nik for _, nik, _ in self.uncalled}
        )
        self.participants = [
            p for nik in self.order if (p := enrol(nik, self.names[nik], self.program.get(nik), periods))
        ]
        for c in self.calls:
            p = enrol(c.nik, self.names[c.nik], self.program.get(c.nik), periods, c.slot.exit_month + 1)
            if p:
                p.replacement = True
                self.participants.append(p)
        for p in self.participants:
            p.died = self.deaths.get(p.nik)
        return self

    def uncalled_payees(self) -> list[tuple[int, str, str, str]]:
        """(first period index, nik, name, kpj) of the uncalled people BPJS registered: paid from the
        month after their registration, and from the first period for a registration before the year."""
        out = []
        for _, nik, _ in self.uncalled:
            tgl, kpj = min(self.program[nik])
            first = max(period_index(dt.date.fromisoformat(tgl), self.periods) + 1, 0)
            out.append((first, nik, self.names[nik], kpj))
        return out

    def truth(self) -> dict:
        periods, program = self.periods, self.program

        def label(t: int) -> str:
            return f"{periods[t][0]}-{periods[t][1]:02d}"

        registered = {p.nik for p in self.participants}
        participants = len(self.order) + len(self.calls)
        replacement_list = [
            {
                "call_order": i,
                "nik": c.nik,
                "waitlist_rank": c.waitlist_rank,
                "replaces_nik": c.slot.nik,
                "slot_start_month": label(c.slot.exit_month + 1),
                "is_registered": c.nik in registered,
                "called_on": c.called.isoformat(),
                "registered_on": min(program[c.nik])[0] if c.nik in program else None,
            }
            for i, c in enumerate(self.calls, 1)
        ]
        last_called = max((c.waitlist_rank for c in self.calls), default=0)
        skipped = Counter(
            r for i, row in enumerate(self.waitlist, 1) if i < last_called for r in self.failing.get(row[3], [])
        )
        replacements_registered = sum(r["is_registered"] for r in replacement_list)
        return {
            "enrollment": {
                "participants": participants,
                "registered": len(self.participants),
                "never_registered": participants - len(self.participants),
                "multiple_kpj": sum(1 for nik in registered if len(program[nik]) > 1),
                "died_2026": sum(
                    1
                    for nik in registered
                    if nik in self.deaths and self.deaths[nik].year == int(self.w.params["program_year"])
                ),
                "enrolled_by_month": dict(sorted(Counter(label(p.enrolled) for p in self.participants).items())),
            },
            "lifecycle": {
                "deaths_by_month": dict(sorted(Counter(label(s.exit_month) for s in self.slots).items())),
                "slots_freed": len(self.slots),
                "budget_headroom_idr": self.headroom_idr,
                "waitlist_changes": dict(sorted(Counter(k for k, _ in self.waitlist_changes.values()).items())),
                "waitlist_skipped_reasons": dict(sorted(skipped.items())),
                "replacements_called": len(self.calls),
                "replacements_registered": replacements_registered,
                "replacements_pending": len(self.calls) - replacements_registered,
                "selected_not_registered": len(self.order) - sum(1 for p in self.participants if not p.replacement),
                "unfilled_slots": len(self.slots) - len(self.calls),
                "calls_by_month": dict(sorted(Counter(c.called.strftime("%Y-%m") for c in self.calls).items())),
                "replacement_list": replacement_list,
                "uncalled_registered": [{"nik": nik, "waitlist_rank": rank} for rank, nik, _ in self.uncalled],
            },
        }


# === payments (program-rules.md section 7) ======================================================
class PaymentPlan:
    """Which person-months get which payment defect; every defect on its own person-month."""

    def __init__(self, w: World, participants: list[Participant], periods, extra_payees: dict):
        self.w, self.participants, self.periods = w, participants, periods
        self.starts = [dt.date(y, m, 1) for y, m in periods]
        self.kinds: dict[tuple[int, str], str] = {}
        self.extras: list[list[tuple[str, str, str, str]]] = [[] for _ in periods]  # nik, name, kpj, kind
        self.reserved = {p.nik for p in participants if p.died}
        self.unpaid_once: set[str] = set()
        self.extra_payees = extra_payees
        self.counts: list[Counter[str]] = [Counter() for _ in periods]

    def active(self, p: Participant, t: int) -> bool:
        return p.enrolled <= t and not (p.died and p.died < self.starts[t])

    def mark(self, t: int, nik: str, kind: str) -> None:
        self.kinds[(t, nik)] = kind
        self.counts[t][kind] += 1

    def plan_streaks(self) -> None:
        """Participants with 2 and with 3 consecutive unpaid months (BPJS lapses a BPU at 3)."""
        rng, last = self.w.rng, len(self.periods)
        for kind, run in (("unpaid_2_months", 2), ("unpaid_3_months", 3)):
            pool = [p for p in self.participants if p.nik not in self.reserved and p.enrolled + run < last]
            count = min(share_count(YEAR_DEFECTS[kind], len(self.participants)), len(pool))
            for p in rng.sample(pool, count):
                first = rng.randint(p.enrolled + 1, last - run)
                for t in range(first, first + run):
                    self.mark(t, p.nik, kind)
                self.reserved.add(p.nik)

    def plan_month(self, t: int) -> None:
        rng = self.w.rng
        active = [p for p in self.participants if self.active(p, t) and p.nik not in self.reserved]
        for kind, rate_min in PERIOD_DEFECTS.items():
            if kind == "NOT_A_PARTICIPANT":
                continue
            unpaid_like = kind in ("UNPAID", "AMOUNT_FORMAT", "TOTAL_MISMATCH")
            pool = [
                p
                for p in active
                if (t, p.nik) not in self.kinds
                and not (unpaid_like and p.nik in self.unpaid_once)
                and not (kind == "PERIOD_MISMATCH" and t > 0 and (t - 1, p.nik) in self.kinds)
            ]
            for p in rng.sample(pool, min(share_count(rate_min, len(active)), len(pool))):
                self.mark(t, p.nik, kind)
                if unpaid_like:
                    self.unpaid_once.add(p.nik)
        outsiders = self.extra_payees["alive_ineligible"]
        for j in range(share_count(PERIOD_DEFECTS["NOT_A_PARTICIPANT"], len(active)) if outsiders else 0):
            nik, name = outsiders[(t * 7 + j) % len(outsiders)]
            self.add_extra(t, nik, name, "", "NOT_A_PARTICIPANT")

    def add_extra(self, t: int, nik: str, name: str, kpj: str, kind: str) -> None:
        self.extras[t].append((nik, name, kpj, kind))
        self.counts[t][kind] += 1

    def plan_year(self) -> None:
        """Lines outside any participant's covered months."""
        rng, last = self.w.rng, len(self.periods)
        early = [
            p
            for p in self.participants
            if p.enrolled >= 1 and p.nik not in self.reserved and p.registered >= self.starts[0] and not p.replacement
        ]
        count = min(share_count(YEAR_DEFECTS["paid_before_enrolment"], len(self.participants)), len(early))
        for p in rng.sample(early, count):
            self.add_extra(p.enrolled - 1, p.nik, p.name, p.kpj, "PAID_BEFORE_ENROLMENT")
        dead = sorted((p for p in self.participants if p.died), key=lambda p: p.died)
        for i, p in enumerate(dead):
            if i % 2 and p.died != month_end(p.died.year, p.died.month):
                continue  # every other death, and always the month's-last-day one, is paid for after
            t = next((k for k, start in enumerate(self.starts) if start > p.died), None)
            if t is not None:
                self.add_extra(t, p.nik, p.name, p.kpj, "PAID_AFTER_DEATH")
        for key, kind in (("never_registered", "NEVER_REGISTERED"), ("dead", "DIED_BEFORE_SELECTION")):
            payees = self.extra_payees[key]
            if payees:
                nik, name = payees[0]
                self.add_extra(rng.randrange(last), nik, name, "", kind)

    def build(self, uncalled: list[tuple[int, str, str, str]]) -> PaymentPlan:
        self.plan_streaks()
        for t in range(len(self.periods)):
            self.plan_month(t)
        self.plan_year()
        for first, nik, name, kpj in uncalled:  # BPJS bills the city for them like for anyone
            for t in range(first, len(self.periods)):
                self.add_extra(t, nik, name, kpj, "UNCALLED_REGISTERED")
        return self


class Lines:
    """Payment lines of one period, built from the plan (amounts always from the parameters)."""

    def __init__(self, w: World, t: int, periods, plan: PaymentPlan):
        self.w, self.t, self.plan = w, t, plan
        self.year, self.month = periods[t]
        self.label = f"{self.year}-{self.month:02d}"
        self.due = int(w.params["payment_due_day"])
        self.rows: list[list[str]] = []
        self.first = True

    def amounts(self, income: int) -> list[str]:
        jkk = round(self.w.params["jkk_rate"] * income)
        jkm = int(self.w.params["jkm_monthly_idr"])
        return [str(income), str(jkk), str(jkm), str(jkk + jkm)]

    def line(
        self, nik: str, name: str, kpj: str, day: dt.date, income: int | None = None, kind: str = "PEMBAYARAN"
    ) -> list[str]:
        income = int(self.w.params["declared_income_idr"]) if income is None else income
        ref = f"{self.w.rng.choice(BANKS)}{self.w.rng.randrange(10**11):011d}"
        row = ["", self.label, kpj, nik, name, *self.amounts(income), day.isoformat(), ref, kind]
        self.rows.append(row)
        return row

    def on_time(self, p: Participant | None = None) -> dt.date:
        """A normal payment day: 1..due day (exactly the due day once a month), never before
        registration (so registering after the due day makes the first premium late) nor after death."""
        first_day = dt.date(self.year, self.month, 1)
        lo = p.registered.day if p and p.registered > first_day else 1
        if lo > self.due:
            day = self.w.rng.randint(lo, max(lo, 28))
        elif self.first:
            day, self.first = self.due, False
        else:
            day = self.w.rng.randint(lo, self.due)
        paid = first_day.replace(day=day)
        return p.died if p and p.died and p.died < paid else paid

    def late(self) -> dt.date:
        if self.w.rng.random() < 0.5 or self.t == len(self.plan.periods) - 1:
            return dt.date(self.year, self.month, self.w.rng.randint(self.due + 1, 28))
        y, m = month_add(self.year, self.month, 1)
        return dt.date(y, m, self.w.rng.randint(1, 10))

    def participant(self, p: Participant, kind: str | None) -> None:
        if kind in ("UNPAID", "unpaid_2_months", "unpaid_3_months"):
            return
        declared = int(self.w.params["declared_income_idr"])
        if kind == "LATE":
            self.line(p.nik, p.name, p.kpj, max(self.late(), p.registered))
        elif kind in ("UNDERPAID", "OVERPAID"):
            income = declared // 2 if kind == "UNDERPAID" else declared * 2
            self.line(p.nik, p.name, p.kpj, self.on_time(p), income)
        elif kind in ("DUPLICATE", "REFUNDED_DUPLICATE"):
            first = self.on_time(p)
            self.line(p.nik, p.name, p.kpj, first)
            second = self.line(p.nik, p.name, p.kpj, first + dt.timedelta(days=self.w.rng.randint(0, 5)))
            if kind == "REFUNDED_DUPLICATE":
                refund_day = dt.date.fromisoformat(second[9]) + dt.timedelta(days=self.w.rng.randint(3, 10))
                self.line(p.nik, p.name, p.kpj, refund_day, kind="RESTITUSI")
        else:
            row = self.line(p.nik, p.name, p.kpj, self.on_time(p))
            self.deform(row, p, kind)

    def deform(self, row: list[str], p: Participant, kind: str | None) -> None:
        """Line-level defects the loader quarantines."""
        if kind == "AMOUNT_FORMAT":
            sep = "." if self.t % 2 else ","
            row[5:9] = [f"{int(v):,}".replace(",", sep) for v in row[5:9]]
        elif kind == "TOTAL_MISMATCH":
            row[8] = str(int(row[8]) - int(row[6]) // 2)
        elif kind == "PERIOD_MISMATCH":
            extra = self.line(p.nik, p.name, p.kpj, dt.date.fromisoformat(row[9]))
            y, m = month_add(self.year, self.month, -1)
            extra[1] = f"{y}-{m:02d}"

    def build(self, participants: list[Participant]) -> list[list[str]]:
        for p in participants:
            if self.plan.active(p, self.t):
                self.participant(p, self.plan.kinds.get((self.t, p.nik)))
        for nik, name, kpj, _ in self.plan.extras[self.t]:
            self.line(nik, name, kpj, self.on_time())
        self.rows.sort(key=lambda r: (r[9], r[3], r[11]))
        compact = f"{self.year}{self.month:02d}"
        for i, row in enumerate(self.rows, 1):
            row[0] = f"IUR{compact}{i:06d}"
        return self.rows


def write_payments(
    w: World, root: Path, periods, participants: list[Participant], plan: PaymentPlan, deaths: dict[str, dt.date]
) -> dict:
    files, payments, budget, unpaid_by_nik = {}, {}, {}, {}
    for t, (year, month) in enumerate(periods):
        lines = Lines(w, t, periods, plan).build(participants)
        out = FeedWriter(root, f"bpjs_iuran/bpjs_iuran_{year}{month:02d}.csv", IURAN_COLUMNS, monthly_layout(t))
        loaded = []
        for row in lines:
            problem = iuran_problem(row, f"{year}-{month:02d}")
            out.write(row, problem)
            amount = row[8].strip()
            if INTEGER.fullmatch(amount):
                out.amounts["total_iuran_sum"] += int(amount)
                out.amounts["quarantined_total_iuran_sum"] += int(amount) if problem else 0
            else:
                out.amounts["unparsable_amount_rows"] += 1
            if problem is None:
                loaded.append(row)
        files[out.name] = out.close()
        label = f"{year}-{month:02d}"
        categories, budget[label], unpaid = reconcile_period(w, t, periods, loaded, participants, deaths)
        payments[label] = {c: categories.get(c, 0) for c in CATEGORIES}
        for nik in unpaid:
            unpaid_by_nik.setdefault(nik, []).append(t)
    return {"files": files, "payments": payments, "budget": budget, "streaks": streaks(unpaid_by_nik)}


# === the whole run =============================================================================
def check_calendar(params: dict) -> None:
    selection = dt.date.fromisoformat(params["selection_date"])
    if max(DTSEN_DATE, DUKCAPIL_DATES[0], KEPESERTAAN_DATES[0]) > selection:
        raise ValueError("selection_date must not precede the synthetic selection snapshots")


def payment_periods(params: dict) -> list[tuple[int, int]]:
    """Covered months with payment data: up to the month of the latest civil-registry snapshot."""
    last = min(params["coverage_end_month"], f"{DUKCAPIL_DATES[-1]:%Y-%m}")
    periods = month_list(params["coverage_start_month"], last)
    if len(periods) < 4:
        raise ValueError("the synthetic calendar needs at least four covered months with payments")
    return periods


def generate(out_dir: Path, seed: int, people: int = 40_000, params: dict | None = None) -> dict:
    """Write a landing area under out_dir and return (and write to out_dir/synth_truth.json) the truth."""
    if people < MIN_PEOPLE:
        raise ValueError(f"people must be at least {MIN_PEOPLE} so every defect class fits")
    params = load_parameters(params)
    check_calendar(params)
    periods = payment_periods(params)
    root = Path(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    w = World(seed, params)

    oracle, defect_counts, files, snapshot = stream_population(w, root, people)
    ranked = sorted(oracle.eligible)
    capacity = w.money["capacity"]
    selected = ranked[:capacity]

    payees = {"alive_ineligible": oracle.alive_ineligible, "dead": oracle.dead}
    year = Year(w, root, snapshot, ranked, periods).play(payees)
    participants, deaths = year.participants, year.deaths
    plan = PaymentPlan(w, participants, periods, payees).build(year.uncalled_payees())
    paid = write_payments(w, root, periods, participants, plan, deaths)

    files.update(year.dukcapil_files)
    files.update(year.kepesertaan_files)
    files.update(paid["files"])
    truth = {
        "seed": seed,
        "people": people,
        "params": params,
        "premium": w.money,
        "files": dict(sorted(files.items())),
        "dtsen_duplicate_niks": snapshot.dtsen_duplicates,
        "eligibility": {
            "candidates": oracle.candidates,
            "eligible": len(ranked),
            "reasons": {r: oracle.reasons.get(r, 0) for r in REASONS},
            "reason_sets": dict(sorted(oracle.reason_sets.items())),
            "moved_in_eligible": oracle.moved_in_eligible,
        },
        "capacity": capacity,
        "selected": len(selected),
        "waitlist": len(ranked) - len(selected),
        "top_ranked_niks": [r[3] for r in ranked[:20]],
        "top_waitlist_niks": [r[3] for r in ranked[capacity : capacity + 20]],
        "ranking_sha256": hashlib.sha256("\n".join(r[3] for r in ranked).encode()).hexdigest(),
        "selected_sha256": hashlib.sha256("\n".join(sorted(r[3] for r in selected)).encode()).hexdigest(),
        **year.truth(),
        "payments": paid["payments"],
        "payment_defects": {
            f"{y}-{m:02d}": dict(sorted(c.items())) for (y, m), c in zip(periods, plan.counts, strict=True)
        },
        "budget": paid["budget"],
        "unpaid_streaks": paid["streaks"],
        "defects": dict(sorted(defect_counts.items())),
        "dtsen_variants": dict(sorted(w.variants.items())),
    }
    text = json.dumps(truth, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    (root / "synth_truth.json").write_text(text, encoding="utf-8")
    return json.loads(text)
