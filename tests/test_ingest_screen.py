"""The loader's client-side screen (rentan.ingest.screen): it only ever narrows the rows SQL checks.

Each test loads the same file twice, once screened (in chunks small enough that records,
quoted fields and duplicate NIKs fall across chunk boundaries) and once with every row
checked in SQL, and asserts the quarantine is the same, row for row.
"""

from __future__ import annotations

import pytest

from rentan.ingest import loader, screen
from rentan.ingest.contracts import CONTRACTS
from tests.factories import DTSEN_HEADER, DTSEN_ROW, DUKCAPIL_HEADER, GOOD_NIK, load_all, write

OTHER_NIK = "3275010101850002"
# Every kind of value the screen must leave to SQL, good or bad, among clean lines.
DUKCAPIL_LINES = [
    f"{GOOD_NIK},Siti,1990-01-01,3275011001,HIDUP,",
    f'{OTHER_NIK},"Budi, S.Pd",1985-01-01,3275011001,HIDUP,',
    '3275010101850003,"Ani ""Neng"" Lestari",1985-01-01,3275011001,HIDUP,',
    f"'{GOOD_NIK},Siti A,1990-01-01,3275011002,HIDUP,",  # the same NIK, written by Excel
    f" {OTHER_NIK} ,Budi,1985-01-01,3275011001,HIDUP,",  # and again, padded
    "3275010101850004,Dewi,2024-02-29,3275011001,HIDUP,",  # a leap day: valid
    "3275010101850005,Dewi,2023-02-29,3275011001,HIDUP,",  # no such day
    "3275010101850006,Eko,1985-01-01,3275011001,MATI,2020-05-01",
    "3275010101850007,Eko,1985-01-01,3275011001,MATI,",  # MATI needs a date
    "3275010101850008,Eko,1985-01-01,3275011001, hidup ,",
    '"3275010101850009",Fitri,1985-01-01,3275011001,HIDUP,',  # quoted NIK
    "3275010101850010,,1985-01-01,\u00a03275011001,HIDUP,",
    "3275010101850011,Gita,1985-1-01,3275011001,HIDUP,",
    "3275010101850012,Hadi,1985-01-01,,HIDUP,",
    "3275010101850013,Ilham,1985-01-01,3275011001,HIDUP,2020-13-01",
    "3275019901850014,Joko,1985-01-01,3275011001,HIDUP,",  # bad NIK day
    "3275010113850016,Joko,1985-01-01,3275011001,HIDUP,",  # bad NIK month
    "3275010101850015,Ayu Sri,1985-01-01,3275011001,HIDUP,",
]


def _quarantine(conn) -> list[tuple]:
    """The quarantine of the current load, and how many of its rows SQL checked."""
    rows = conn.execute(
        """select q.line_no, q.reason_code, q.column_name, q.failures, q.raw_line from meta.quarantine q
           join meta.load_manifest m using (batch_id) where m.status = 'LOADED' order by line_no"""
    ).fetchall()
    checked = conn.execute("select rows_read, rows_checked from meta.load_manifest where status = 'LOADED'").fetchone()
    return rows, checked


def _load_both_ways(conn, landing, monkeypatch, feed: str, name: str, lines: list[str], newline="\n"):
    """(quarantine screened, quarantine unscreened, the screen's verdict) of one file."""
    write(landing, feed, name, lines, newline=newline)
    targets = loader.match_header(CONTRACTS[feed], lines[0].split(","), name).targets
    verdict = screen.screen_file(str(landing / feed / name), CONTRACTS[feed], targets, 256)
    # in ranges too, as a big file is screened: the same verdict
    assert screen.screen_file(str(landing / feed / name), CONTRACTS[feed], targets, 256, parts=3) == verdict
    monkeypatch.setattr(screen, "SCREEN_CHUNK_BYTES", 256)
    monkeypatch.setattr(screen, "PARALLEL_MIN_BYTES", 0)  # the loader screens in a process per core
    assert isinstance(load_all(conn, landing)[f"{feed}/{name}"], dict)
    screened, checked = _quarantine(conn)
    assert checked[1] == (checked[0] if verdict is None else len(verdict.suspects)) < checked[0] + (verdict is None)
    conn.execute("delete from meta.quarantine")
    conn.execute("update meta.load_manifest set status = 'REPLACED'")  # load the same file again
    monkeypatch.setattr(screen, "combine", lambda *args: None)
    write(landing, feed, name.replace("30", "29"), lines, newline=newline)
    load_all(conn, landing)
    unscreened, checked = _quarantine(conn)
    assert checked[1] == checked[0]  # every row checked in SQL
    return screened, unscreened, verdict


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_screened_quarantine_is_the_sql_quarantine(conn, landing, monkeypatch, newline):
    lines = [DUKCAPIL_HEADER] + [f"32750101018{n:05d},Clean,1985-01-01,3275011001,HIDUP," for n in range(20, 80)]
    lines[3:3] = DUKCAPIL_LINES
    lines.append("3275010101850099,Last,1985-02-30,3275011001,HIDUP,")  # a bad row in the last chunk
    screened, unscreened, verdict = _load_both_ways(
        conn, landing, monkeypatch, "dukcapil", "dukcapil_20251130.csv", lines, newline
    )
    assert verdict is not None and verdict.records == len(lines) - 1
    assert screened == unscreened
    assert {line for line, *_ in screened} <= set(verdict.suspects)
    reasons = {(line, reason) for line, reason, *_ in screened}
    assert (len(lines), "BAD_DATE") in reasons
    assert {(5, "DUPLICATE_NIK"), (7, "DUPLICATE_NIK"), (4, "DUPLICATE_NIK"), (8, "DUPLICATE_NIK")} <= reasons
    assert sorted(verdict.duplicate_niks) == [OTHER_NIK, GOOD_NIK]


def test_a_quoted_line_break_across_chunks_is_checked_in_sql_with_the_same_line_numbers(conn, landing, monkeypatch):
    rows = [DTSEN_ROW.replace("Siti Aminah", f"Siti {n:03d}") for n in range(30)]
    rows[10] = DTSEN_ROW.replace("Siti Aminah", '"Siti\nAminah, ' + "x" * 300 + '"')  # over a 256-byte chunk end
    rows[20] = DTSEN_ROW.replace(GOOD_NIK, "1234")
    screened, unscreened, verdict = _load_both_ways(
        conn, landing, monkeypatch, "dtsen", "dtsen_20251130.csv", [DTSEN_HEADER, *rows]
    )
    assert verdict is None  # lines are not records here: the screen does not vouch
    assert screened == unscreened
    assert [(line, reason) for line, reason, *_ in screened] == [(22, "BAD_NIK")]  # record 21, after the header


def test_a_file_of_suspects_is_checked_whole_in_sql(conn, landing, monkeypatch):
    monkeypatch.setattr(screen, "MAX_SUSPECTS", 3)
    rows = [DTSEN_ROW.replace("01-01-1990", f"1990-01-{n + 1:02d}") for n in range(5)]  # another date format
    screened, unscreened, verdict = _load_both_ways(
        conn, landing, monkeypatch, "dtsen", "dtsen_20251130.csv", [DTSEN_HEADER, *rows]
    )
    assert verdict is None
    assert screened == unscreened
    assert [(line, reason) for line, reason, *_ in screened] == [(n, "BAD_DATE") for n in range(2, 7)]


def test_a_clean_file_with_an_unknown_column_is_screened_whole(conn, landing, monkeypatch):
    lines = [DTSEN_HEADER + ",keterangan"] + [
        # one household per row: a household of 40 would be quarantined as implausible (max_household_rows)
        DTSEN_ROW.replace("Siti Aminah", f"Siti {n:03d}").replace("K1,", f"K{n},", 1) + ',"a, b"'
        for n in range(40)
    ]
    lines[-1] = lines[-1].replace("01-01-1990", "31-04-1990")
    screened, unscreened, verdict = _load_both_ways(conn, landing, monkeypatch, "dtsen", "dtsen_20251130.csv", lines)
    assert verdict is not None and verdict.suspects == [len(lines)]
    assert (
        screened == unscreened == [(len(lines), "BAD_DATE", "tanggal_lahir", "BAD_DATE:tanggal_lahir", screened[0][4])]
    )


def test_the_screen_vouches_only_for_canonical_values():
    """Each canonical form is inside what its SQL check accepts (V002/V011)."""
    dtsen = CONTRACTS["dtsen"]
    pattern = screen.line_pattern(dtsen, [c.name for c in dtsen.columns])
    fields = DTSEN_ROW.split(",")

    def clean(position: int, value: str) -> bool:
        line = ",".join(fields[:position] + [value] + fields[position + 1 :]).encode()
        return pattern.fullmatch(line).group(1) is None  # the group holds a suspect line

    assert clean(1, GOOD_NIK)
    bad_niks = ["3275014101900000", "0975014101900001", "3275010001900001", "3275013201900001", "3275014113900001"]
    for nik in [*bad_niks, "32750141019000011", "327501410190000"]:
        assert not clean(1, nik), nik
    for date in ["29-02-1990", "31-04-1990", "00-01-1990", "01-13-1990", "01-01-0990", "1-01-1990", " 01-01-1990"]:
        assert not clean(6, date), date
    assert clean(6, "28-02-1990") and clean(6, "31-12-2099")
    assert clean(8, "10") and not clean(8, "0") and not clean(8, "11") and clean(8, "")
    assert not clean(0, "") and not clean(0, " K1") and clean(0, '"K1, 2"')
    assert CONTRACTS["bpjs_iuran"].row_checks and screen.line_pattern(CONTRACTS["bpjs_iuran"], []) is None
