"""Issue 23, cases 3 and 5, on one small hand-written city built once.

- 5: a name carrying window-title, OSC 52 clipboard-write, hidden-text and line-erase escape
  sequences, BEL and U+202E, and a KPJ starting with U+202E: the bytes `rentan explain` writes
  to a real pseudo-terminal carry none of them, and neither do the workbook's cells.
- 3: a payment file of a period far outside the programme year (bpjs_iuran_204610.csv) is
  loaded with a warning and is never the reports' latest month.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from rentan.parameters import load_parameters
from rentan.reports.build import build_report, latest_period
from rentan.text import FORMAT_CHARACTERS, neutralise
from rentan.transform import dbt_runner
from rentan.warehouse import connect
from tests.helpers_dbt import load_landing, migrated_database, query
from tests.test_explain import NIK, PAYMENT_HEADER, make_login, write, write_landing

RENTAN = str(Path(sys.executable).parent / "rentan")
HOSTILE = (
    "\x1b]0;rentan owned\x07"  # window title
    "\x1b]52;c;cm0gLXJmIH4=\x07"  # OSC 52: write to the clipboard
    "\x1b[8mTERSEMBUNYI\x1b[0m"  # hidden text
    "\x1b[2K\r"  # erase the line
    "\u202eKIRI\x07"
)
FUTURE = "bpjs_iuran_204610.csv"


def unsafe_bytes(data: bytes) -> list[bytes]:
    return [b for b in (b"\x1b", b"\x07", b"\x9b", "\u202e".encode(), "\u2066".encode()) if b in data]


@pytest.fixture(scope="module")
def city(server_url, tmp_path_factory):
    landing = tmp_path_factory.mktemp("hostile_landing")
    write_landing(landing)
    for path in (landing / "dukcapil").iterdir():  # S's name, as Dukcapil delivers it
        path.write_text(path.read_text().replace("NAMA S,", f'"NAMA S{HOSTILE}",'))
    for path in [*(landing / "bpjs_kepesertaan").iterdir(), *(landing / "bpjs_iuran").iterdir()]:
        path.write_text(path.read_text().replace("KPJ-R", "\u202eKPJ-R"))
    rows = [
        f"F{n},2046-10,KPJ-S,{NIK['S']},ORANG S,1000000,10000,6800,16800,2046-10-0{n},REF,PEMBAYARAN" for n in (1, 2, 3)
    ]
    write(landing / "bpjs_iuran" / FUTURE, PAYMENT_HEADER, rows)
    with migrated_database(server_url) as url:
        loaded = load_landing(url, landing)
        run = dbt_runner.build(url, load_parameters({"quota": 2}), unit_tests=False)
        assert run.success, run.summary()
        yield url, loaded


def read_pty(argv: list[str], env: dict) -> tuple[int, bytes]:
    """Run `argv` with a pseudo-terminal as its stdout and stderr; every byte it wrote, and its status."""
    master, slave = pty.openpty()
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    data = b""
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the terminal's other side closed
            break
        if not chunk:
            break
        data += chunk
    os.close(master)
    return process.wait(timeout=60), data


@pytest.mark.parametrize("json_output", [False, True])
def test_explain_writes_no_escape_sequence_or_bidi_override_to_the_terminal(city, json_output):
    url, _ = city
    env = {**os.environ, "WAREHOUSE_URL": url, "RENTAN_OFFICER_URL": make_login(url, "rentan_officer")}
    status, data = read_pty([RENTAN, "explain", NIK["S"], *(["--json"] if json_output else [])], env)
    assert status == 0, data.decode(errors="replace")
    assert unsafe_bytes(data) == []
    text = data.decode()
    if json_output:  # JSON escapes the controls itself (data for tools); the bidi override is neutralised
        assert "NAMA S\\u001b]0;rentan owned\\u0007" in text and "\ufffdKIRI\\u0007" in text
    else:  # shown, visibly neutralised, not dropped
        assert "NAMA S\ufffd]0;rentan owned\ufffd" in text and "\ufffdKIRI\ufffd" in text


def test_the_workbook_has_no_control_or_bidi_character_in_any_cell(city, tmp_path):
    url, _ = city
    with connect(url) as conn:
        result = build_report(conn, latest_period(conn), tmp_path)
    book = openpyxl.load_workbook(result["paths"]["xlsx"])
    texts = [c.value for sheet in book for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("KPJ-R" in t for t in texts)
    assert [t for t in texts if neutralise(t) != t] == []


def test_neutralise_knows_every_format_character_of_this_python():
    import unicodedata

    expected = {chr(c) for c in range(0xA0, 0x110000) if unicodedata.category(chr(c)) == "Cf"}
    assert {c for c in expected if neutralise(c) == c} == set()
    assert FORMAT_CHARACTERS  # the ranges the module lists
    assert neutralise("a\nb") == "a\ufffdb" and neutralise("a\nb", keep_line_breaks=True) == "a\nb"


def test_a_future_period_file_is_loaded_with_a_warning_and_is_never_the_reports_latest_month(city, tmp_path):
    url, loaded = city
    (future,) = [r for r in loaded if r["file"] == f"bpjs_iuran/{FUTURE}"]
    assert future["status"] == "LOADED"
    assert future["warnings"] == [
        f"bpjs_iuran/{FUTURE}: period 2046-10 is outside the programme year 2026: loaded, and held back "
        "(it is never the reports' latest month); check the file's name and periode"
    ]
    assert query(url, "select max(snapshot_date)::text from meta.load_manifest") == [("2046-10-01",)]
    with connect(url) as conn:
        assert latest_period(conn) == "2026-03"
    done = subprocess.run(
        [RENTAN, "report", "--out", str(tmp_path)],
        env={**os.environ, "WAREHOUSE_URL": url},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "rekonsiliasi_iuran_2026-03.xlsx").exists() or any(
        "2026-03" in p.name for p in tmp_path.iterdir()
    )


def test_a_folder_named_like_the_pdf_stops_the_report_before_it_replaces_the_workbook(city, tmp_path):
    from rentan.reports.build import ReportWriteError

    url, _ = city
    with connect(url) as conn:
        period = latest_period(conn)
        first = build_report(conn, period, tmp_path)
        workbook = first["paths"]["xlsx"].read_bytes()
        first["paths"]["pdf"].unlink()
        first["paths"]["pdf"].mkdir()
        with pytest.raises(ReportWriteError, match="is a folder or other non-file where the report goes"):
            build_report(conn, period, tmp_path)
    assert first["paths"]["xlsx"].read_bytes() == workbook  # "unchanged" is true
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_every_quarantine_reason_has_an_indonesian_label():
    from rentan.reports.vocabulary import seed

    for code in ("AMOUNT_OUT_OF_RANGE", "NON_POSITIVE_AMOUNT", "HOUSEHOLD_TOO_LARGE"):
        assert seed().label("quarantine_reason", code) != code


@pytest.fixture
def full_disk(tmp_path):
    """A 32 KiB tmpfs: too small for the month's files (mount needs root, as CI runs)."""
    mount = tmp_path / "full"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        if os.environ.get("CI") == "true":
            pytest.fail(f"cannot mount a small tmpfs: {done.stderr.decode().strip()}")
        pytest.skip("cannot mount a small tmpfs here")
    yield mount
    subprocess.run(["umount", str(mount)], check=False)


def test_a_full_disk_is_one_line_and_no_traceback(city, full_disk):
    url, _ = city
    done = subprocess.run(
        [RENTAN, "report", "--out", str(full_disk)],
        env={**os.environ, "WAREHOUSE_URL": url},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    assert done.stderr.startswith("rentan: could not write ") and len(done.stderr.splitlines()) == 1
    assert "No space left on device" in done.stderr and "earlier files are unchanged" in done.stderr
    assert list(full_disk.iterdir()) == []  # no partial file left behind
