"""Small hand-written landing files for the loader tests, and how to load them."""

from __future__ import annotations

import os

from rentan.ingest.landing import scan, split_new_and_loaded
from rentan.ingest.loader import FileRejected, load_file

DTSEN_HEADER = (
    "id_keluarga,nik,no_kk,nama,hubungan_keluarga,jenis_kelamin,tanggal_lahir,kode_wilayah,desil,pekerjaan_utama"
)
GOOD_NIK = "3275014101900001"  # born 01-01-1990, a woman (day + 40)
DTSEN_ROW = f"K1,{GOOD_NIK},3275010101900001,Siti Aminah,ISTRI,P,01-01-1990,3275011001,3,PEMULUNG"
DUKCAPIL_HEADER = "nik,nama_lengkap,tanggal_lahir,kode_wilayah,status_hidup,tanggal_kematian"
PAYMENT_HEADER = (
    "kode_iuran,periode,kpj,nik,nama,penghasilan,iuran_jkk,iuran_jkm,total_iuran,tgl_bayar,no_referensi,jenis_transaksi"
)


def write(landing, feed: str, name: str, lines: list[str], *, newline="\n", bom=False) -> None:
    data = newline.join(lines) + newline
    (landing / feed / name).write_bytes((b"\xef\xbb\xbf" if bom else b"") + data.encode())


def load_all(conn, landing) -> dict:
    """Load every new file; return results by file name (rejections as their message)."""
    new, _ = split_new_and_loaded(conn, scan(landing))
    results = {}
    for f in new:
        try:
            results[f.name] = load_file(conn, f)
        except FileRejected as rejected:
            results[f.name] = str(rejected)
    return results


def quarantined(conn) -> list[tuple]:
    return conn.execute(
        "select line_no, reason_code, column_name, raw_line from meta.quarantine order by batch_id, line_no"
    ).fetchall()


def record_as_if_unchanged(conn, path, checksum: str) -> None:
    """The cache row a change beneath the file system leaves: the file's metadata as now, an old checksum."""
    stat = os.stat(path)
    conn.execute(
        """insert into meta.landing_checksums (path, size, mtime_ns, ctime_ns, inode, checksum)
           values (%s, %s, %s, %s, %s, %s)
           on conflict (path) do update set size = excluded.size, mtime_ns = excluded.mtime_ns,
               ctime_ns = excluded.ctime_ns, inode = excluded.inode, checksum = excluded.checksum""",
        (str(path.resolve()), stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, checksum),
    )
