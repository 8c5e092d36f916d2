"""A hand-made programme year told delivery by delivery, each through `rentan run`.

People are numbered 1, 2, ... (`nik(i)`, born 15 January 1969 + i, so person 1 is the oldest and
ranks first among equal desil and household size). Every person is an eligible PEMULUNG of
desil 1 in Kota Bekasi at selection unless a delivery says otherwise. What a test delivers is
what the providers would: DTSEN, Dukcapil and BPJS snapshots, payment files.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.helpers_dbt import make_login, query

RENTAN = str(Path(sys.executable).parent / "rentan")
BEKASI, JAKARTA = "3275011001", "3171011001"
PREMIUM = 16800
PAYMENT_HEADER = (
    "kode_iuran,periode,kpj,nik,nama,penghasilan,iuran_jkk,iuran_jkm,total_iuran,tgl_bayar,no_referensi,jenis_transaksi"
)
DTSEN_HEADER = "id_keluarga,nik,nama,jenis_kelamin,tanggal_lahir,kode_wilayah,desil,pekerjaan_utama"
DUKCAPIL_HEADER = "nik,nama_lengkap,tanggal_lahir,kode_wilayah,status_hidup,tanggal_kematian"
MEMBERSHIP_HEADER = "nik,kpj,sumber_iuran,status_kepesertaan,tgl_kepesertaan"


def nik(i: int) -> str:
    return f"3275011501{69 + i:02d}0001"


def write(path: Path, header: str, rows: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n")


class Year:
    """One programme year's landing area and warehouse; `run()` is `rentan run` on what was delivered so far."""

    def __init__(self, root: Path, url: str, people: int, params: dict) -> None:
        self.landing, self.url, self.people = root / "landing", url, range(1, people + 1)
        self.params_file = root / "params.yml"
        self.params(**params)

    def params(self, **values) -> None:
        self.params_file.write_text("".join(f"{name}: {json.dumps(value)}\n" for name, value in values.items()))

    def dtsen(self, snapshot: str, desil: dict[int, int] | None = None, header: str = DTSEN_HEADER) -> None:
        desil = desil or {}
        write(
            self.landing / "dtsen" / f"dtsen_{snapshot}.csv",
            header,
            [f"K{i},{nik(i)},ORANG {i},L,15-01-{1969 + i},{BEKASI},{desil.get(i, 1)},PEMULUNG" for i in self.people],
        )

    def dukcapil(self, snapshot: str, deaths: dict[int, str] | None = None, moved: dict[int, str] | None = None):
        """The whole registry again: deaths (person -> date) and new addresses (person -> kode_wilayah)."""
        deaths, moved = deaths or {}, moved or {}
        write(
            self.landing / "dukcapil" / f"dukcapil_{snapshot}.csv",
            DUKCAPIL_HEADER,
            [
                f"{nik(i)},ORANG NOMOR {i},{1969 + i}-01-15,{moved.get(i, BEKASI)},"
                + (f"MATI,{deaths[i]}" if i in deaths else "HIDUP,")
                for i in self.people
            ],
        )

    def memberships(self, snapshot: str, rows: list[tuple[int, str, str, str]]) -> None:
        """rows: (person, sumber_iuran, status_kepesertaan, tgl_kepesertaan); the KPJ is K<person>."""
        write(
            self.landing / "bpjs_kepesertaan" / f"bpjs_kepesertaan_{snapshot}.csv",
            MEMBERSHIP_HEADER,
            [f"{nik(i)},K{i},{payer},{status},{start}" for i, payer, status, start in rows],
        )

    def payments(self, period: str, rows: list[tuple[int, int | str]]) -> None:
        """rows: (person, total_iuran) paid on the 10th of the period; the JKK part is the total less JKM."""
        lines = []
        for n, (i, total) in enumerate(rows, 1):
            jkk = int(total) - 6800 if str(total).isdigit() and int(total) > 6800 else 10000
            lines.append(
                f"I{period}{n:03d},{period},K{i},{nik(i)},ORANG {i},1000000,{jkk},6800,{total},{period}-10,"
                f"REF{n},PEMBAYARAN"
            )
        write(self.landing / "bpjs_iuran" / f"bpjs_iuran_{period.replace('-', '')}.csv", PAYMENT_HEADER, lines)

    def selection(self, registered: list[int]) -> None:
        """What is there before coverage: DTSEN and Dukcapil at selection, BPJS registering the selected."""
        self.dtsen("20251201")
        self.dukcapil("20251130")
        self.memberships("20251210", [(i, "PEMKOT_BEKASI", "AKTIF", "2025-12-20") for i in registered])

    def run(self, *args: str, ok: bool = True) -> str:
        """`rentan run` on the landing area; its output (the run must succeed unless ok is False)."""
        done = subprocess.run(
            [RENTAN, "run", "--landing", str(self.landing), "--params", str(self.params_file), *args],
            env={**os.environ, "WAREHOUSE_URL": self.url},
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert (done.returncode == 0) == ok, done.stdout + done.stderr
        return done.stdout + done.stderr

    def calls(self) -> list[tuple]:
        """The ledger's calls: (era, call_order, person, replaces person, slot start YYYY-MM, published_version)."""
        people = {nik(i): i for i in self.people}
        return [
            (era, order, people[who], people.get(replaced), start, version)
            for era, order, who, replaced, start, version in query(
                self.url,
                """select era, call_order, nik, replaces_nik, to_char(slot_start_month, 'YYYY-MM'), published_version
                   from history.calls order by era, call_order""",
            )
        ]

    def replacement_list(self) -> list[tuple]:
        """ops.replacement_list: (call_order, person, replaces person, slot start YYYY-MM, is_registered)."""
        people = {nik(i): i for i in self.people}
        return [
            (order, people[who], people.get(replaced), start, registered)
            for order, who, replaced, start, registered in query(
                self.url,
                """select call_order, nik, replaces_nik, to_char(slot_start_month, 'YYYY-MM'), is_registered
                   from ops.replacement_list order by call_order""",
            )
        ]

    def enrollment(self) -> dict[int, tuple]:
        """ops.enrollment: person -> (source, status, enrolled YYYY-MM, exit YYYY-MM)."""
        people = {nik(i): i for i in self.people}
        return {
            people[who]: tuple(rest)
            for who, *rest in query(
                self.url,
                """select nik, source, status, to_char(enrolled_month, 'YYYY-MM'), to_char(exit_month, 'YYYY-MM')
                   from ops.enrollment""",
            )
        }

    def reconciliation(self, period: str) -> dict[int, tuple]:
        """ops.reconciliation of a month: person -> (expected, paid, category)."""
        people = {nik(i): i for i in self.people}
        return {
            people[who]: tuple(rest)
            for who, *rest in query(
                self.url,
                "select nik, expected_idr, paid_idr, category from ops.reconciliation where period = %s",
                (f"{period}-01",),
            )
        }

    def explain(self, person: int) -> dict:
        """`rentan explain --json` as a programme officer."""
        if not hasattr(self, "_officer"):
            self._officer = make_login(self.url, "rentan_officer")
        done = subprocess.run(
            [RENTAN, "explain", nik(person), "--json"],
            env={**os.environ, "RENTAN_OFFICER_URL": self._officer},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return json.loads(done.stdout)
