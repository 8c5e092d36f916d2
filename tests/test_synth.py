"""Tests of rentan_dev.synth: determinism, file layouts, NIK structure, the injected defects, and the
truth re-derived from the written files by a second, deliberately plain implementation of the rules."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import itertools
import os
import re
import subprocess
import sys
import textwrap
from collections import Counter, defaultdict
from pathlib import Path

import pytest

import rentan
from rentan.paths import SEEDS_DIR
from rentan_dev.synth import generate

PEOPLE = 3000
SEED = 11
COLUMNS = {
    "dtsen": [
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
    ],
    "dukcapil": [
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
    ],
    "bpjs_kepesertaan": [
        "nik",
        "kpj",
        "nama",
        "segmen",
        "sumber_iuran",
        "status_kepesertaan",
        "tgl_kepesertaan",
        "tgl_nonaktif",
    ],
    "bpjs_iuran": [
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
    ],
}
DTSEN = "dtsen/dtsen_20251201.csv"
MONTH_ENDS = [(dt.date(2026, m + 1, 1) - dt.timedelta(days=1)).strftime("%Y%m%d") for m in range(1, 11)]
DUK_FIRST = "dukcapil/dukcapil_20251130.csv"
DUK_MONTHLY = [f"dukcapil/dukcapil_{d}.csv" for d in MONTH_ENDS]
DUK_LATEST = DUK_MONTHLY[-1]
BPJS_FIRST = "bpjs_kepesertaan/bpjs_kepesertaan_20251210.csv"
BPJS_MONTHLY = [f"bpjs_kepesertaan/bpjs_kepesertaan_{d}.csv" for d in MONTH_ENDS]
BPJS_LATEST = BPJS_MONTHLY[-1]
IURAN = [f"bpjs_iuran/bpjs_iuran_2026{m:02d}.csv" for m in range(1, 11)]
ALL_CSV = [DTSEN, DUK_FIRST, *DUK_MONTHLY, BPJS_FIRST, *BPJS_MONTHLY, *IURAN]
AMOUNTS = ("penghasilan", "iuran_jkk", "iuran_jkm", "total_iuran")
CHILD_JOBS = {"PELAJAR/MAHASISWA", "BELUM/TIDAK BEKERJA"}


# --- plain helpers (independent of rentan_dev.synth) ------------------------------------------------
def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Raw header and rows keyed by trimmed lower-case header, as the loader matches columns."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        raw = next(reader)
        keys = [h.strip().lower() for h in raw]
        return raw, [dict(zip(keys, row, strict=True)) for row in reader]


def norm_id(value: str) -> str:
    value = value.strip()
    return (value[1:] if value.startswith("'") else value).replace(" ", "")


def valid_nik(nik: str) -> bool:
    if not re.fullmatch(r"[0-9]{16}", nik):
        return False
    day = int(nik[6:8])
    return (
        11 <= int(nik[:2]) <= 94
        and (1 <= day <= 31 or 41 <= day <= 71)
        and 1 <= int(nik[8:10]) <= 12
        and nik[12:] != "0000"
    )


def iso_date(value: str) -> dt.date | None:
    value = value.strip()
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def plain_int(value: str) -> bool:
    return re.fullmatch(r"-?[0-9]+", value.strip()) is not None


def seed_rows(name: str) -> list[dict[str, str]]:
    return read_csv(SEEDS_DIR / name)[1]


def capacity_of(params: dict) -> int:
    monthly = round(params["jkk_rate"] * params["declared_income_idr"]) + params["jkm_monthly_idr"]
    y0, m0 = map(int, params["coverage_start_month"].split("-"))
    y1, m1 = map(int, params["coverage_end_month"].split("-"))
    months = (y1 * 12 + m1) - (y0 * 12 + m0) + 1
    return min(params["quota"], params["budget_idr"] // (monthly * months))


def dukcapil_present(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    """The NIKs a snapshot really provides: duplicates and rows failing a check are quarantined."""
    counts = Counter(norm_id(r["nik"]) for r in rows)
    present = {}
    for r in rows:
        nik = norm_id(r["nik"])
        died = r["tanggal_kematian"].strip()
        if counts[nik] > 1 or iso_date(r["tanggal_lahir"]) is None:
            continue
        if (r["status_hidup"].strip() == "MATI" and not died) or (died and iso_date(died) is None):
            continue
        present[nik] = r
    return present


def iuran_problem(row: dict[str, str], period: str) -> str | None:
    if not all(plain_int(row[c]) for c in AMOUNTS):
        return "AMOUNT_FORMAT"
    if int(row["total_iuran"]) != int(row["iuran_jkk"]) + int(row["iuran_jkm"]):
        return "TOTAL_MISMATCH"
    return "PERIOD_MISMATCH" if row["periode"].strip() != period else None


# --- the rules, re-implemented over the files -------------------------------------------------
def recompute(files: dict[str, list[dict[str, str]]], params: dict) -> dict:
    """program-rules.md sections 2-5 and 7 applied to the landing files, in plain Python."""
    selection = dt.date.fromisoformat(params["selection_date"])
    start = dt.date.fromisoformat(params["coverage_start_month"] + "-01")
    kota, payer = params["kode_kota"], params["program_payer_code"]
    informal = {r["pekerjaan_utama"] for r in seed_rows("pekerjaan_informal.csv")}
    dtsen, duk = files[DTSEN], dukcapil_present(files[DUK_FIRST])
    cover = defaultdict(list)
    for r in files[BPJS_FIRST]:
        cover[norm_id(r["nik"])].append(r)
    size = Counter(r["id_keluarga"].strip() for r in dtsen)
    best: dict[str, tuple] = {}
    for r in dtsen:
        nik = norm_id(r["nik"])
        key = (int(r["desil"]) if r["desil"].strip() else 99, r["id_keluarga"].strip())
        if valid_nik(nik) and (nik not in best or key < best[nik][0]):
            best[nik] = (key, r)
    reasons, eligible = Counter(), []
    for nik, (key, r) in best.items():
        failed = set()
        d = duk.get(nik)
        if d is None:
            failed.add("NOT_IN_DUKCAPIL")
        else:
            died = iso_date(d["tanggal_kematian"])
            if d["status_hidup"].strip() == "MATI" or (died and died <= selection):
                failed.add("DECEASED")
            if not d["kode_wilayah"].strip().startswith(kota):
                failed.add("NOT_BEKASI_RESIDENT")
            born = iso_date(d["tanggal_lahir"])
            age = start.year - born.year - ((start.month, start.day) < (born.month, born.day))
            if not params["min_age"] <= age <= params["max_age"]:
                failed.add("AGE_OUT_OF_RANGE")
        if " ".join(r["pekerjaan_utama"].upper().split()) not in informal:
            failed.add("NOT_INFORMAL_WORKER")
        if key[0] > params["max_desil"]:
            failed.add("DESIL_ABOVE_MAX")
        if any(c["status_kepesertaan"].strip() == "AKTIF" and c["sumber_iuran"].strip() != payer for c in cover[nik]):
            failed.add("ALREADY_COVERED")
        reasons.update(failed)
        if not failed:
            eligible.append((key[0], -size[key[1]], d["tanggal_lahir"].strip(), nik))
    ranked = [e[3] for e in sorted(eligible)]
    capacity = capacity_of(params)
    selected = ranked[:capacity]
    result = {"candidates": len(best), "reasons": reasons, "ranked": ranked, "capacity": capacity, "selected": selected}
    result.update(enrolment(files, params, ranked, capacity, start))
    result["payments"] = payments(files, params, result["participants"], result["deaths"])
    return result


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def months_between(first: dt.date, last: dt.date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1


def enrolment(files, params, ranked: list[str], capacity: int, start: dt.date) -> dict:
    """Section 5 on the latest snapshots: the selected who are registered, their deaths, the slots these
    free, and the still-eligible waitlisted people who fill them while the budget lasts."""
    payer, kota = params["program_payer_code"], params["kode_kota"]
    monthly = round(params["jkk_rate"] * params["declared_income_idr"]) + params["jkm_monthly_idr"]
    end = dt.date.fromisoformat(params["coverage_end_month"] + "-01")
    selected, waitlist = ranked[:capacity], ranked[capacity:]
    kpjs, covered = defaultdict(set), set()
    for r in files[BPJS_LATEST]:
        nik = norm_id(r["nik"])
        if r["sumber_iuran"].strip() == payer:
            kpjs[nik].add((r["tgl_kepesertaan"].strip(), r["kpj"].strip()))
        elif r["status_kepesertaan"].strip() == "AKTIF":
            covered.add(nik)
    latest = dukcapil_present(files[DUK_LATEST])
    deaths = {nik: iso_date(r["tanggal_kematian"]) for nik, r in latest.items() if r["status_hidup"].strip() == "MATI"}

    def enrolled(nik: str, earliest: dt.date) -> dt.date:
        return max(dt.date.fromisoformat(min(kpjs[nik])[0]).replace(day=1), earliest)

    participants = {nik: enrolled(nik, start) for nik in selected if nik in kpjs}
    rank = {nik: i for i, nik in enumerate(ranked, 1)}
    exits = sorted((deaths[n].replace(day=1), rank[n], n) for n in participants if n in deaths)
    headroom = params["budget_idr"] - sum(
        monthly * months_between(month, deaths[n].replace(day=1) if n in deaths else end)
        for n, month in participants.items()
    )

    def still_eligible(nik: str) -> bool:
        d = latest.get(nik)
        if d is None or d["status_hidup"].strip() == "MATI" or d["tanggal_kematian"].strip() or nik in covered:
            return False
        born = iso_date(d["tanggal_lahir"])
        age = start.year - born.year - ((start.month, start.day) < (born.month, born.day))
        return d["kode_wilayah"].strip().startswith(kota) and params["min_age"] <= age <= params["max_age"]

    candidates = [(i, nik) for i, nik in enumerate(waitlist, 1) if still_eligible(nik)]
    calls = []
    for (exit_month, _, gone), (waitlist_rank, nik) in zip(exits, candidates, strict=False):
        slot_start = next_month(exit_month)
        cost = monthly * months_between(slot_start, end)
        if cost > headroom:
            break
        headroom -= cost
        calls.append(
            {
                "call_order": len(calls) + 1,
                "nik": nik,
                "waitlist_rank": waitlist_rank,
                "replaces_nik": gone,
                "slot_start_month": f"{slot_start:%Y-%m}",
                "is_registered": nik in kpjs,
            }
        )
        if nik in kpjs:
            participants[nik] = enrolled(nik, slot_start)
    last_called = max((c["waitlist_rank"] for c in calls), default=0)
    return {
        "participants": participants,
        "deaths": deaths,
        "calls": calls,
        "skipped": [nik for nik in waitlist[:last_called] if not still_eligible(nik)],
        "enrollment": {
            "participants": len(selected) + len(calls),
            "registered": len(participants),
            "never_registered": len(selected) + len(calls) - len(participants),
            "multiple_kpj": sum(1 for n in participants if len(kpjs[n]) > 1),
            "died_2026": sum(1 for n in participants if n in deaths and deaths[n].year == params["program_year"]),
        },
    }


def payments(files, params, participants: dict[str, dt.date], deaths: dict[str, dt.date]) -> dict:
    monthly = round(params["jkk_rate"] * params["declared_income_idr"]) + params["jkm_monthly_idr"]
    out = {}
    for name in IURAN:
        period = f"{name[-10:-6]}-{name[-6:-4]}"
        first = dt.date.fromisoformat(period + "-01")
        due = first.replace(day=params["payment_due_day"])
        paid = defaultdict(lambda: [0, 0, None])
        for r in files[name]:
            if iuran_problem(r, period):
                continue
            entry = paid[norm_id(r["nik"])]
            refund = r["jenis_transaksi"].strip() == "RESTITUSI"
            entry[0] += -int(r["total_iuran"]) if refund else int(r["total_iuran"])
            if not refund:
                entry[1] += 1
                entry[2] = max(filter(None, (entry[2], iso_date(r["tgl_bayar"]))))
        expected = {
            n for n, month in participants.items() if month <= first and not (n in deaths and deaths[n] < first)
        }
        categories = Counter()
        for nik in set(paid) | expected:
            amount, lines, last = paid[nik]
            due_amount = monthly if nik in expected else 0
            if amount > 0 and nik in deaths and deaths[nik] < first:
                categories["PAID_AFTER_DEATH"] += 1
            elif amount > 0 and not due_amount:
                categories["NOT_A_PARTICIPANT"] += 1
            elif due_amount and not lines:
                categories["UNPAID"] += 1
            elif lines > 1:
                categories["DUPLICATE"] += 1
            elif amount != due_amount:
                categories["UNDERPAID" if amount < due_amount else "OVERPAID"] += 1
            else:
                categories["LATE" if last > due else "MATCHED"] += 1
        out[period] = categories
    return out


# --- fixtures ----------------------------------------------------------------------------------
def load(root: Path) -> dict[str, list[dict[str, str]]]:
    return {p.relative_to(root).as_posix(): read_csv(p)[1] for p in sorted(root.rglob("*.csv"))}


@pytest.fixture(scope="module")
def landing(tmp_path_factory):
    root = tmp_path_factory.mktemp("landing")
    truth = generate(root, seed=SEED, people=PEOPLE)
    files = load(root)
    return root, truth, files, recompute(files, truth["params"])


# --- determinism and layout -------------------------------------------------------------------
def snapshot_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def python_env(**extra: str) -> dict[str, str]:
    """Environment for a child Python that imports rentan from this checkout."""
    path = os.pathsep.join([str(Path(rentan.__file__).parents[1]), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "PYTHONPATH": path, **extra}


GENERATE = (
    "import sys; from pathlib import Path; from rentan_dev.synth import generate; "
    "generate(Path(sys.argv[1]), seed=int(sys.argv[2]), people=1500, params={'quota': 60})"
)


def test_same_seed_same_bytes_different_seed_different(tmp_path):
    """With a waiting list (quota 60), so the year's deaths and replacements are in the bytes too."""
    truth = generate(tmp_path / "a", seed=5, people=1500, params={"quota": 60})
    assert truth["lifecycle"]["replacements_called"] > 0
    # another process with another hash seed: no set- or hash-order dependence
    subprocess.run(
        [sys.executable, "-c", GENERATE, str(tmp_path / "b"), "5"],
        check=True,
        timeout=120,
        env=python_env(PYTHONHASHSEED="4242"),
    )
    generate(tmp_path / "c", seed=6, people=1500, params={"quota": 60})
    a, b, c = (snapshot_bytes(tmp_path / x) for x in "abc")
    assert a == b
    assert a.keys() == c.keys()
    assert all(a[name] != c[name] for name in a)


def test_file_set_and_headers(landing):
    root, truth, _, _ = landing
    names = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    assert names == {*ALL_CSV, "synth_truth.json"}
    assert set(truth["files"]) == names - {"synth_truth.json"}
    for name in names - {"synth_truth.json"}:
        raw, rows = read_csv(root / name)
        keys = [h.strip().lower() for h in raw]
        spec = COLUMNS[name.split("/")[0]]
        assert sorted(set(keys) - {"keterangan"}) == sorted(spec), name
        assert len(rows) == truth["files"][name]["rows"], name


def test_layout_variety(landing):
    root = landing[0]
    raw = {name: (root / name).read_bytes() for name in ALL_CSV}
    headers = {name: read_csv(root / name)[0] for name in raw}
    assert any(data.startswith(b"\xef\xbb\xbf") for data in raw.values())
    assert any(not data.startswith(b"\xef\xbb\xbf") for data in raw.values())
    assert any(b"\r\n" in data for data in raw.values())
    assert any(b"\r\n" not in data for data in raw.values())
    spec_order = [name for name, h in headers.items() if [x.strip().lower() for x in h] == COLUMNS[name.split("/")[0]]]
    assert 0 < len(spec_order) < len(headers), "some files in spec order, some not"
    assert any("keterangan" in [x.strip().lower() for x in h] for h in headers.values())
    assert any(
        any(x != x.strip() for x in h) and any(x.strip() not in (x.lower(), x.upper()) for x in h)
        for h in headers.values()
    ), "mixed-case header names with surrounding spaces"
    assert b'"16,800"' in b"".join(raw.values()) or b'"10,000"' in b"".join(raw.values()), "quoted commas"


# --- people, households and NIKs ---------------------------------------------------------------
def test_nik_structure(landing):
    _, truth, files, _ = landing
    dtsen_bad = [r for r in files[DTSEN] if not valid_nik(norm_id(r["nik"]))]
    assert len(dtsen_bad) == truth["files"][DTSEN]["quarantined"]["BAD_NIK"]
    for name in ALL_CSV[1:]:
        assert all(valid_nik(norm_id(r["nik"])) for r in files[name]), name
    kecamatan = {r["kode_kecamatan"] for r in seed_rows("wilayah_kota_bekasi.csv")}
    for r in files[DUK_FIRST]:
        nik, born = r["nik"], iso_date(r["tanggal_lahir"])
        if born:  # the NIK carries the birth date, day + 40 for women
            day = born.day + (40 if r["jenis_kelamin"] == "PEREMPUAN" else 0)
            assert nik[6:12] == f"{day:02d}{born.month:02d}{born.year % 100:02d}", nik
        if nik.startswith("3275"):
            assert nik[:6] in kecamatan
    uniques = Counter(norm_id(r["nik"]) for r in files[DUK_FIRST])
    duplicated_rows = sum(n for n in uniques.values() if n > 1)
    assert duplicated_rows == truth["files"][DUK_FIRST]["quarantined"]["DUPLICATE_NIK"]


def test_households(landing):
    files = landing[2]
    kelurahan = {r["kode_kelurahan"] for r in seed_rows("wilayah_kota_bekasi.csv")}
    households = defaultdict(list)
    for r in files[DTSEN]:
        households[r["id_keluarga"]].append(r)
    sizes = Counter(len(rows) for rows in households.values())
    assert set(sizes) == set(range(1, 8))
    for rows in households.values():
        assert len({(r["no_kk"], r["kode_wilayah"], r["desil"]) for r in rows}) == 1
        assert rows[0]["kode_wilayah"] in kelurahan
        assert sum(r["hubungan_keluarga"] == "KEPALA KELUARGA" for r in rows) == 1
    people = len(files[DTSEN])
    low = sum(r["desil"] in ("1", "2", "3", "4") for r in files[DTSEN]) / people
    assert 0.12 < low < 0.24, low
    names = {r["nama"] for r in files[DTSEN]}
    assert len(names) > people / 3


def test_occupations(landing):
    files = landing[2]
    informal = {r["pekerjaan_utama"] for r in seed_rows("pekerjaan_informal.csv")}
    known = informal | {r["pekerjaan_utama"] for r in seed_rows("pekerjaan_lain.csv")}
    jobs = [r["pekerjaan_utama"] for r in files[DTSEN]]
    assert all(" ".join(j.upper().split()) in known for j in jobs)
    assert any(j != j.upper() for j in jobs) and any("  " in j for j in jobs), "variants that still map"
    duk = {norm_id(r["nik"]): r for r in files[DUK_FIRST]}
    adults = defaultdict(lambda: [0, 0])
    for r in files[DTSEN]:
        d = duk.get(norm_id(r["nik"]))
        born = iso_date(d["tanggal_lahir"]) if d else None
        if born and 18 <= 2025 - born.year <= 65 and r["desil"].strip():
            band = adults["low" if int(r["desil"]) <= 5 else "high"]
            band[0] += " ".join(r["pekerjaan_utama"].upper().split()) in informal
            band[1] += 1
        if born and 2025 - born.year < 15:
            assert " ".join(r["pekerjaan_utama"].upper().split()) in CHILD_JOBS
    low, high = (adults[b][0] / adults[b][1] for b in ("low", "high"))
    assert 0.45 < low < 0.65 and high < low / 2, (low, high)


# --- injected defects -------------------------------------------------------------------------
def bad_nik_kind(nik: str) -> str:
    if not re.fullmatch(r"[0-9]+", nik):
        return "letters"
    if len(nik) != 16:
        return "length"
    if nik[:2] in ("00", "99"):
        return "province"
    day = int(nik[6:8])
    if day == 0 or 32 <= day <= 40 or day >= 72:
        return "day"
    return "month" if int(nik[8:10]) > 12 else "serial" if nik[12:] == "0000" else "?"


def test_dtsen_defects(landing):
    _, truth, files, _ = landing
    rows = files[DTSEN]
    kinds = Counter(bad_nik_kind(norm_id(r["nik"])) for r in rows if not valid_nik(norm_id(r["nik"])))
    assert set(kinds) == {"letters", "length", "province", "day", "month", "serial"}
    assert sum(r["nik"].startswith("'") for r in rows) >= 3
    assert sum(" " in r["nik"].strip() for r in rows) >= 3
    odd = [r for r in rows if r["nik"].startswith("'") or " " in r["nik"].strip()]
    assert all(valid_nik(norm_id(r["nik"])) for r in odd), "apostrophes and spaces normalise away"
    assert sum(not r["desil"].strip() for r in rows) >= 3
    households = defaultdict(list)
    for r in rows:
        if valid_nik(norm_id(r["nik"])):
            households[norm_id(r["nik"])].append(r)
    twice = {nik: rs for nik, rs in households.items() if len(rs) > 1}
    assert len(twice) == truth["dtsen_duplicate_niks"] >= 3
    assert all(len({r["id_keluarga"] for r in rs}) == 2 for rs in twice.values())
    assert any(len({r["desil"] for r in rs}) == 2 for rs in twice.values())
    born = {norm_id(r["nik"]): iso_date(r["tanggal_lahir"]) for r in files[DUK_FIRST]}
    differ = [
        r
        for r in rows
        if born.get(norm_id(r["nik"]))
        and dt.datetime.strptime(r["tanggal_lahir"], "%d-%m-%Y").date() != born[norm_id(r["nik"])]
    ]
    assert len(differ) >= 10, "DTSEN birth dates sometimes differ from Dukcapil's"


def test_dukcapil_defects(landing):
    _, truth, files, again = landing
    params = truth["params"]
    first, latest = files[DUK_FIRST], files[DUK_LATEST]
    quarantined = truth["files"][DUK_FIRST]["quarantined"]
    assert quarantined == truth["files"][DUK_LATEST]["quarantined"]
    no_date = sum(r["status_hidup"] == "MATI" and not r["tanggal_kematian"] for r in first)
    assert no_date == quarantined["MISSING_VALUE"] >= 2
    assert sum(iso_date(r["tanggal_lahir"]) is None for r in first) == quarantined["BAD_DATE"] >= 2
    assert quarantined["DUPLICATE_NIK"] >= 4
    candidates = {norm_id(r["nik"]) for r in files[DTSEN]}
    assert len(candidates - {norm_id(r["nik"]) for r in first}) >= 3, "DTSEN people missing from Dukcapil"
    moved_out = [r for r in first if r["nik"].startswith("3275") and not r["kode_wilayah"].startswith("3275")]
    assert {r["kode_wilayah"][:2] for r in moved_out} >= {"31", "32"}
    eligible = set(again["ranked"])
    moved_in = {r["nik"][:4] for r in first if r["kode_wilayah"].startswith("3275") and r["nik"] in eligible}
    assert moved_in >= {"3201", "3216", "3171"}
    selection = dt.date.fromisoformat(params["selection_date"])
    dead_before = [r for r in first if r["status_hidup"] == "MATI" and iso_date(r["tanggal_kematian"])]
    assert len(dead_before) >= 3 and all(iso_date(r["tanggal_kematian"]) <= selection for r in dead_before)
    before = {r["nik"]: r for r in first}
    died = [r for r in latest if r["status_hidup"] == "MATI" and r["tanggal_kematian"].startswith("2026")]
    assert all(before[r["nik"]]["status_hidup"] == "HIDUP" for r in died)
    selected = set(again["selected"])
    assert sum(r["nik"] in selected for r in died) == truth["enrollment"]["died_2026"] >= 3
    assert len(died) == truth["enrollment"]["died_2026"] + truth["lifecycle"]["waitlist_changes"].get("died", 0)
    days = [iso_date(r["tanggal_kematian"]) for r in died]
    assert any((d + dt.timedelta(days=1)).day == 1 for d in days), "a death on a month's last day"


def test_age_boundaries(landing):
    _, truth, files, again = landing
    params = truth["params"]
    start = dt.date.fromisoformat(params["coverage_start_month"] + "-01")
    lo, hi = (start.replace(year=start.year - params[k]) for k in ("min_age", "max_age"))
    over = start.replace(year=start.year - params["max_age"] - 1)
    born = defaultdict(set)
    for r in files[DUK_FIRST]:
        born[r["tanggal_lahir"]].add(r["nik"])
    eligible = set(again["ranked"])
    day = dt.timedelta(days=1)
    cases = ((lo, True), (lo + day, False), (hi, True), (over + day, True), (over, False))
    for date, should_be_eligible in cases:
        tagged = born[date.isoformat()]
        assert tagged, date
        assert bool(tagged & eligible) == should_be_eligible, date


def test_bpjs_kepesertaan(landing):
    _, truth, files, again = landing
    payer = truth["params"]["program_payer_code"]
    first, latest = files[BPJS_FIRST], files[BPJS_LATEST]
    active = {r["sumber_iuran"] for r in first if r["status_kepesertaan"] == "AKTIF"}
    assert active >= {"MANDIRI", "PEMBERI_KERJA", "PEMPROV_JABAR", "CSR", payer}
    assert any(r["status_kepesertaan"] == "NONAKTIF" and r["tgl_nonaktif"] for r in first)
    assert {r["segmen"] for r in first} == {"PU", "BPU", "JAKON", "PMI"}
    columns = COLUMNS["bpjs_kepesertaan"]
    assert [[r[c] for c in columns] for r in first] == [[r[c] for c in columns] for r in latest[: len(first)]]
    selected = set(again["selected"])
    own = [r for r in latest[len(first) :] if r["nik"] in selected]
    assert all(r["sumber_iuran"] == payer and r["status_kepesertaan"] == "AKTIF" for r in own)
    starts = [iso_date(r["tgl_kepesertaan"]) for r in own]
    assert {d.month for d in starts} == {1, 2, 3} and any(d.day > 1 for d in starts)
    for earlier, later in itertools.pairwise([BPJS_FIRST, *BPJS_MONTHLY]):  # each check adds to the last
        assert [[r[c] for c in columns] for r in files[later][: len(files[earlier])]] == [
            [r[c] for c in columns] for r in files[earlier]
        ], later
    assert truth["enrollment"] == {**truth["enrollment"], **again["enrollment"]}
    assert truth["enrollment"]["never_registered"] >= 2 and truth["enrollment"]["multiple_kpj"] >= 2


def test_payment_files(landing):
    _, truth, files, again = landing
    for name in IURAN:
        period = f"{name[-10:-6]}-{name[-6:-4]}"
        problems = Counter(iuran_problem(r, period) for r in files[name])
        problems.pop(None)
        assert dict(problems) == truth["files"][name]["quarantined"], name
        assert set(problems) == {"AMOUNT_FORMAT", "TOTAL_MISMATCH", "PERIOD_MISMATCH"}
        assert any(r["jenis_transaksi"] == "RESTITUSI" for r in files[name])
    totals = Counter()
    for period, categories in truth["payments"].items():
        assert categories == {**dict.fromkeys(categories, 0), **again["payments"][period]}, period
        totals.update(categories)
    for category in (
        "UNPAID",
        "LATE",
        "DUPLICATE",
        "UNDERPAID",
        "OVERPAID",
        "PAID_AFTER_DEATH",
        "NOT_A_PARTICIPANT",
        "MATCHED",
    ):
        assert totals[category] > 0, category
    assert truth["unpaid_streaks"]["2"] >= 2 and truth["unpaid_streaks"]["3+"] >= 2


def test_injected_counts_match_the_files(landing):
    _, truth, files, _ = landing
    defects, params = truth["defects"], truth["params"]
    dtsen, first = files[DTSEN], files[DUK_FIRST]
    assert sum(r["nik"].startswith("'") for r in dtsen) == defects["nik_apostrophe"]
    assert sum(" " in r["nik"].strip() for r in dtsen) == defects["nik_spaces"]
    assert sum(not valid_nik(norm_id(r["nik"])) for r in dtsen) == defects["bad_nik"]
    assert len({r["id_keluarga"] for r in dtsen if not r["desil"].strip()}) == defects["desil_empty"]
    registry = Counter(norm_id(r["nik"]) for r in first)
    in_dtsen = {norm_id(r["nik"]) for r in dtsen if valid_nik(norm_id(r["nik"]))}
    assert len(in_dtsen - set(registry)) == defects["not_in_dukcapil"]
    assert sum(not r["kode_wilayah"].startswith(params["kode_kota"]) for r in first) == defects["moved_out"]
    dead = sum(r["status_hidup"] == "MATI" and bool(r["tanggal_kematian"]) for r in first)
    assert dead == defects["deceased"]
    assert sum(n > 1 for n in registry.values()) == defects["dukcapil_duplicate"]
    payer = params["program_payer_code"]
    assert sum(r["sumber_iuran"] == payer for r in files[BPJS_FIRST]) == defects["earlier_cohort"]
    for name in IURAN:
        injected = truth["payment_defects"][f"{name[-10:-6]}-{name[-6:-4]}"]
        assert sum(r["jenis_transaksi"] == "RESTITUSI" for r in files[name]) == injected["REFUNDED_DUPLICATE"]
        for reason, n in truth["files"][name]["quarantined"].items():
            assert injected[reason] == n, (name, reason)


# --- the truth ---------------------------------------------------------------------------------
def test_truth_matches_an_independent_recomputation(landing):
    _, truth, _, again = landing
    assert truth["eligibility"]["candidates"] == again["candidates"]
    assert truth["eligibility"]["reasons"] == {**truth["eligibility"]["reasons"], **again["reasons"]}
    assert truth["eligibility"]["eligible"] == len(again["ranked"])
    assert truth["top_ranked_niks"] == again["ranked"][:20]
    assert truth["ranking_sha256"] == hashlib.sha256("\n".join(again["ranked"]).encode()).hexdigest()
    assert truth["capacity"] == again["capacity"] == 9920


def test_truth_is_consistent(landing):
    truth = landing[1]
    eligibility = truth["eligibility"]
    assert eligibility["eligible"] == truth["selected"] + truth["waitlist"]
    assert truth["selected"] == min(truth["capacity"], eligibility["eligible"])
    assert eligibility["eligible"] == eligibility["reason_sets"][""]
    assert sum(eligibility["reason_sets"].values()) == eligibility["candidates"]
    assert all(n > 0 for n in eligibility["reasons"].values()), eligibility["reasons"]
    assert (
        eligibility["candidates"]
        == PEOPLE - truth["files"][DTSEN]["quarantined"]["BAD_NIK"] - truth["dtsen_duplicate_niks"]
    )
    assert 0 < eligibility["eligible"] < truth["capacity"]


def test_small_quota_gives_a_waiting_list(tmp_path):
    truth = generate(tmp_path, seed=3, people=2000, params={"quota": 40})
    assert truth["capacity"] == 40 and truth["premium"]["binding_constraint"] == "QUOTA"
    assert truth["selected"] == 40 and truth["waitlist"] == truth["eligibility"]["eligible"] - 40 > 0
    again = recompute(load(tmp_path), truth["params"])
    assert again["selected"] == again["ranked"][:40]
    assert truth["enrollment"] == {**truth["enrollment"], **again["enrollment"]}
    assert truth["top_waitlist_niks"] == again["ranked"][40:60]


def test_an_uncalled_person_registered_before_the_year_is_billed_from_its_first_month(tmp_path):
    """Seed 3 with a quota of 60 at 2,500 people: an uncalled person BPJS registered before the programme
    year. The generator used to bill them from a period before the first (and crashed on it)."""
    truth = generate(tmp_path, seed=3, people=2500, params={"quota": 60})
    billed = [month for month, kinds in sorted(truth["payment_defects"].items()) if kinds.get("UNCALLED_REGISTERED")]
    assert billed == sorted(truth["payment_defects"])  # every month of the year, from the first


# --- the programme year: deaths, the waiting list, replacements (program-rules.md section 5) -----
STORY_QUOTA = 150


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    """A small quota so a waiting list exists and the freed slots are filled from it."""
    root = tmp_path_factory.mktemp("story")
    truth = generate(root, seed=SEED, people=PEOPLE, params={"quota": STORY_QUOTA})
    files = load(root)
    return root, truth, files, recompute(files, truth["params"])


def program_kpjs(rows: list[dict[str, str]], payer: str) -> dict[str, dt.date]:
    """NIK -> earliest programme tgl_kepesertaan in one membership snapshot."""
    out: dict[str, dt.date] = {}
    for r in rows:
        if r["sumber_iuran"].strip() == payer:
            day = iso_date(r["tgl_kepesertaan"])
            out[norm_id(r["nik"])] = min(out.get(norm_id(r["nik"]), day), day)
    return out


def test_deaths_among_participants_are_spread_over_the_year_and_recorded_monthly(story):
    _, truth, files, again = story
    dead = {n: d for n, d in again["deaths"].items() if n in again["participants"]}
    assert len({d.month for d in dead.values()}) >= 3, dead
    assert truth["lifecycle"]["deaths_by_month"] == dict(sorted(Counter(f"{d:%Y-%m}" for d in dead.values()).items()))
    for nik, died in dead.items():
        shown = [name for name in DUK_MONTHLY if dukcapil_present(files[name])[nik]["status_hidup"] == "MATI"]
        assert shown == DUK_MONTHLY[DUK_MONTHLY.index(shown[0]) :], "once recorded, every later snapshot shows it"
        assert dt.datetime.strptime(shown[0][-12:-4], "%Y%m%d").date() >= died
        assert dukcapil_present(files[DUK_FIRST])[nik]["status_hidup"] == "HIDUP"


def test_replacements_follow_the_rules(story):
    _, truth, _, again = story
    lifecycle = truth["lifecycle"]
    listed = [{k: r[k] for k in again["calls"][0]} for r in lifecycle["replacement_list"]] if again["calls"] else []
    assert listed == again["calls"] and 0 < len(listed) <= lifecycle["slots_freed"]
    assert lifecycle["replacements_called"] == len(listed)
    assert lifecycle["replacements_registered"] == sum(c["is_registered"] for c in listed) > 0
    assert truth["enrollment"] == {**truth["enrollment"], **again["enrollment"]}
    assert again["skipped"], "someone on the waiting list is no longer eligible and is passed over"
    assert not set(again["skipped"]) & {c["nik"] for c in listed}


def test_replacements_are_registered_only_after_being_called(story):
    _, truth, files, again = story
    payer = truth["params"]["program_payer_code"]
    lifecycle = truth["lifecycle"]
    calls = {r["nik"]: r for r in lifecycle["replacement_list"]}
    uncalled = {r["nik"] for r in lifecycle["uncalled_registered"]}
    waitlisted = set(again["ranked"][truth["capacity"] :])
    first_shown: dict[str, str] = {}
    for name in BPJS_MONTHLY:
        snapshot_day = dt.datetime.strptime(name[-12:-4], "%Y%m%d").date()
        for nik, start in program_kpjs(files[name], payer).items():
            assert start <= snapshot_day
            first_shown.setdefault(nik, name)
    earlier_cohort = set(program_kpjs(files[BPJS_FIRST], payer))
    registered_waitlisted = {nik for nik in first_shown if nik in waitlisted} - earlier_cohort
    assert registered_waitlisted == {n for n, r in calls.items() if r["is_registered"]} | uncalled
    assert uncalled and not uncalled & set(calls), "the known defect: a KPJ for someone nobody called"
    latest = program_kpjs(files[BPJS_LATEST], payer)
    for nik, call in calls.items():
        if call["is_registered"]:
            called = dt.date.fromisoformat(call["called_on"])
            assert called < latest[nik] <= called + dt.timedelta(days=60), "a few weeks after the call"
            assert again["deaths"][call["replaces_nik"]] < called


def test_replacements_are_paid_from_their_registration(story):
    _, truth, files, again = story
    registered = {r["nik"]: r for r in truth["lifecycle"]["replacement_list"] if r["is_registered"]}
    latest = program_kpjs(files[BPJS_LATEST], truth["params"]["program_payer_code"])
    paid = set()
    for name in IURAN:
        for r in files[name]:
            nik = norm_id(r["nik"])
            if nik in registered:
                paid.add(nik)
                assert r["periode"].strip() >= max(f"{latest[nik]:%Y-%m}", registered[nik]["slot_start_month"])
                assert iso_date(r["tgl_bayar"]) >= latest[nik]
    assert paid, "some replacement is paid"
    matched = sum(truth["payments"][p]["MATCHED"] for p in truth["payments"])
    assert matched == sum(again["payments"][p]["MATCHED"] for p in again["payments"])
    for period, categories in truth["payments"].items():
        assert categories == {**dict.fromkeys(categories, 0), **again["payments"][period]}, period


def test_call_replacements_stops_when_the_headroom_runs_out():
    from rentan_dev.synth import Slot, call_replacements

    slots = [
        Slot(5, 9, "c", dt.date(2026, 6, 30)),
        Slot(2, 7, "b", dt.date(2026, 3, 31)),
        Slot(2, 3, "a", dt.date(2026, 3, 31)),
    ]
    candidates = [(1, "x"), (3, "y"), (4, "z")]
    # slots a and b (exit index 2) cost 9 months each, c (exit 5) costs 6
    assert [(s.nik, rank) for s, rank, _ in call_replacements(slots, candidates, 24 * 100, 100, 12)] == [
        ("a", 1),
        ("b", 3),
        ("c", 4),
    ]
    assert [s.nik for s, _, _ in call_replacements(slots, candidates, 23 * 100, 100, 12)] == ["a", "b"]
    assert [s.nik for s, _, _ in call_replacements(slots, candidates[:1], 24 * 100, 100, 12)] == ["a"]


# --- memory ------------------------------------------------------------------------------------
MEASURE = textwrap.dedent("""
    import resource, sys
    from pathlib import Path
    from rentan_dev.synth import generate

    def peak_kb():
        # ru_maxrss survives exec on Linux, so a child of pytest would report pytest's own peak;
        # VmHWM is the peak of this address space only.
        try:
            with open("/proc/self/status") as status:
                return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
        except OSError:
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    base = peak_kb()
    generate(Path(sys.argv[1]), seed=1, people=int(sys.argv[2]))
    print(base, peak_kb(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
""")


@pytest.mark.slow
def test_memory_stays_bounded(tmp_path):
    """Streaming: 150,000 people add about 17 MB on top of the imports (about 80 MB, mostly Faker).
    Merely holding the DTSEN and Dukcapil rows of 150,000 people as lists adds about 260 MB."""
    people = 150_000
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, str(tmp_path), str(people)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
        env=python_env(),
    )
    base_kb, peak_kb, maxrss_kb = map(int, result.stdout.split())
    growth_mb = (peak_kb - base_kb) / 1024
    print(
        f"\ngenerate({people:,} people): peak RSS {peak_kb / 1024:.0f} MB (after imports "
        f"{base_kb / 1024:.0f} MB, growth {growth_mb:.0f} MB; ru_maxrss {maxrss_kb / 1024:.0f} MB)"
    )
    assert growth_mb < 100
    assert peak_kb / 1024 < 250
