"""`rentan explain NIK`: one person's whole story, from the published version, as the officer sees it.

It connects with a programme officer's login (role rentan_officer), never as the pipeline,
records the look-up (officer.record_lookup, migration V017: who, when, which NIK) and reads
the published ops relations by NIK: ops.person_case (the decision and its facts),
ops.eligibility_rules, ops.person_case_memberships, ops.person_case_waitlist,
ops.enrollment, ops.replacement_list and ops.reconciliation. Nothing here decides a rule:
pass or fail is the published `reasons`; this module only tells the story, in Bahasa
Indonesia (the officers' language), or as JSON for other tools.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import re

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from rentan.reports.formatting import month_id
from rentan.warehouse import EmbeddedWarehouse, WarehouseError, airflow_connection_url, warehouse_url

OFFICER_URL_ENV = "RENTAN_OFFICER_URL"
OFFICER_LOGIN = "rentan_officer_user"
OFFICER_ROLE = "rentan_officer"
TOOL = "rentan explain"
# Every relation the story reads, locked together (ACCESS SHARE) so a publish cannot swap
# versions in the middle of one look-up.
RELATIONS = (
    "person_case",
    "eligibility_rules",
    "program_parameters",
    "person_case_memberships",
    "person_case_waitlist",
    "enrollment",
    "replacement_list",
    "reconciliation",
)
_SEPARATORS = re.compile(r"[\s\u00a0']")


class UnknownNik(LookupError):
    """The NIK is in neither the published selection nor the published payments."""


def normalize_nik(text: str) -> str:
    """The NIK as the loader normalises it (spaces and a leading apostrophe dropped); 16 digits or ValueError."""
    nik = _SEPARATORS.sub("", text or "")
    if not re.fullmatch(r"[0-9]{16}", nik):
        raise ValueError(f"NIK tidak valid: {text!r}. NIK terdiri dari 16 angka (contoh: 3275014101900001).")
    return nik


# -- the officer's connection ----------------------------------------------------------


def officer_url() -> str:
    """RENTAN_OFFICER_URL; else, for the embedded warehouse, its rentan_officer_user login."""
    url = os.environ.get(OFFICER_URL_ENV)
    if url:
        return url
    if os.environ.get("WAREHOUSE_URL") or airflow_connection_url():
        raise WarehouseError(
            f"set {OFFICER_URL_ENV} to the URL of a programme officer's login (a member of "
            f"{OFFICER_ROLE}): explain reads personal data as an officer, never as the pipeline"
        )
    warehouse_url(start=True)  # the CLI on a developer machine: start the embedded warehouse if needed
    return EmbeddedWarehouse().url(login=OFFICER_LOGIN)


def connect_officer(url: str | None = None) -> psycopg.Connection:
    """A connection as a programme officer; refuses a login that is not one, or that could read more."""
    conn = psycopg.connect(url or officer_url(), application_name=TOOL)
    superuser, officer, etl = conn.execute(
        """select rolsuper, pg_has_role(current_user, %s, 'member'),
                  exists (select 1 from pg_roles where rolname = 'rentan_etl')
                  and pg_has_role(current_user, 'rentan_etl', 'member')
           from pg_roles where rolname = current_user""",
        (OFFICER_ROLE,),
    ).fetchone()
    conn.rollback()
    if superuser or etl or not officer:
        conn.close()
        raise WarehouseError(
            f"explain must connect as a programme officer (a member of {OFFICER_ROLE} only); "
            f"the login given is {'a superuser' if superuser else 'not one'}: "
            f"set {OFFICER_URL_ENV} to an officer's URL"
        )
    return conn


# -- the story --------------------------------------------------------------------------


def lookup(conn: psycopg.Connection, nik: str, tool: str = TOOL) -> dict:
    """Record the look-up and read one person's published case, in one transaction; UnknownNik when none.

    Officers read ops only through officer.read (migration V031), which serves a NIK only after
    its look-up is recorded in the same transaction: the record comes first, always.
    """
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        record = cur.execute("select * from officer.record_lookup(%s, %s, %s)", (nik, tool, _client_user())).fetchone()
        story = {
            "nik": nik,
            "found": record["found"],
            "lookup_id": record["lookup_id"],
            "published_version": record["published_version"],
            "published_at": record["published_at"],
        }
        try:
            for name in RELATIONS:  # every relation present, or none of the story: say so
                _read(cur, name, nik, limit_to_none=True)
            if record["found"]:
                person = _first(_read(cur, "person_case", nik))
                rules = _read(cur, "eligibility_rules", order=["rule_order"])
                story |= {
                    "parameters": _first(_read(cur, "program_parameters")),
                    "person": person,
                    "rules": [_rule(rule, person) for rule in rules] if person else [],
                    "memberships": _read(
                        cur, "person_case_memberships", nik, order=["snapshot_date", "tgl_kepesertaan", "kpj"]
                    ),
                    "waitlist": _first(_read(cur, "person_case_waitlist", nik)),
                    "enrollment": _first(_read(cur, "enrollment", nik)),
                    "replacement": _first(_read(cur, "replacement_list", nik)),
                    "replaced_by": _read(cur, "replacement_list", nik, column="replaces_nik"),
                    "months": _read(cur, "reconciliation", nik, order=["period"]),
                }
        except psycopg.errors.UndefinedTable as missing:
            raise WarehouseError(
                f"{missing.diag.message_primary}: run the pipeline "
                "(`rentan run`) so a version with the officers' relations is published"
            ) from None
    if not story["found"]:  # after the commit: the look-up of an unknown NIK is recorded too
        raise UnknownNik(nik)
    return story


def _read(
    cur, relation: str, nik: str | None = None, column: str = "nik", order: list[str] = (), limit_to_none=False
) -> list[dict]:
    """The rows of ops.<relation> for `nik` (all rows of a relation without NIKs), through officer.read."""
    name = cur.execute("select officer.read(%s, %s, %s, %s) as cursor", (relation, nik, column, list(order))).fetchone()
    cursor = sql.Identifier(name["cursor"])
    rows = [] if limit_to_none else cur.execute(sql.SQL("fetch all from {}").format(cursor)).fetchall()
    cur.execute(sql.SQL("close {}").format(cursor))
    return rows


def _first(rows: list[dict]) -> dict | None:
    return rows[0] if rows else None


def _rule(rule: dict, person: dict) -> dict:
    """A rule's outcome for the person: evaluated, passed (from the published reasons) and its facts."""
    failed = rule["reason_code"] in (person["reasons"] or "").split(",")
    evaluated = not (rule["needs_dukcapil"] and not person["is_in_dukcapil"])
    return {
        "reason_code": rule["reason_code"],
        "aturan": rule["aturan"],
        "evaluated": evaluated,
        "passed": None if not evaluated else not failed,
        "facts": {column: person.get(column) for column in rule["fact_columns"]},
    }


def _client_user() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def to_json(story: dict) -> str:
    return json.dumps(story, default=_json_value, ensure_ascii=False, indent=2)


def _json_value(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


# -- in Bahasa Indonesia ------------------------------------------------------------------

FACT_LABELS = {
    "is_in_dukcapil": "ada di Dukcapil",
    "dukcapil_snapshot_date": "snapshot Dukcapil",
    "status_hidup": "status hidup",
    "tanggal_kematian": "tanggal kematian",
    "kode_kelurahan": "kode kelurahan",
    "nama_kelurahan": "kelurahan",
    "kode_kota": "kode kota",
    "tanggal_lahir": "tanggal lahir",
    "age_at_coverage_start": "usia",
    "pekerjaan_utama": "pekerjaan utama",
    "kategori_informal": "kategori informal",
    "desil": "desil",
    "is_covered_by_other_payer": "kepesertaan AKTIF dibayar pihak lain",
}
OUTCOMES = {True: "LULUS", False: "GAGAL", None: "TIDAK DIPERIKSA"}


def unknown_sentence(nik: str) -> str:
    return (
        f"NIK {nik} tidak ditemukan dalam versi terbit: bukan calon dari DTSEN pada tanggal seleksi "
        "dan tidak ada dalam data pembayaran BPJS. Periksa kembali NIK-nya."
    )


def render(story: dict) -> str:
    """The story as an officer reads it, section by section."""
    lines = [
        f"NIK {story['nik']} - versi terbit {story['published_version'] or '-'}"
        f" ({_v(story['published_at'])}); akses ini dicatat (no. {story['lookup_id']})."
    ]
    params, person = story["parameters"] or {}, story["person"]
    if person is None:
        lines += [
            "",
            "Bukan calon: NIK ini tidak ada di DTSEN pada tanggal seleksi "
            f"{_v(params.get('selection_date'))}, tetapi ada dalam data pembayaran BPJS.",
        ]
    else:
        lines += _identity(person, params) + _dtsen(person) + _memberships(story["memberships"])
        lines += _rules(story["rules"], person, params) + _ranking(story, params)
    lines += _enrollment(story) + _months(story["months"])
    return "\n".join(lines)


def _identity(p: dict, params: dict) -> list[str]:
    if not p["is_in_dukcapil"]:
        lines = ["", "Dukcapil: NIK ini tidak ada di snapshot Dukcapil pada tanggal seleksi."]
    else:
        rt_rw = f", RT {p['rt']}/RW {p['rw']}" if p["rt"] or p["rw"] else ""
        lines = [
            "",
            f"Dukcapil (snapshot {_v(p['dukcapil_snapshot_date'])})",
            f"  Nama: {_v(p['nama_lengkap'])}; jenis kelamin: {_v(p['jenis_kelamin'])}; "
            f"lahir: {', '.join(_v(v) for v in (p['tempat_lahir'], p['tanggal_lahir']) if v)}",
            f"  Alamat: {_v(p['alamat'])}{rt_rw}; kelurahan {_v(p['nama_kelurahan'])} ({_v(p['kode_kelurahan'])}), "
            f"kecamatan {_v(p['nama_kecamatan'])}",
            f"  Usia pada hari pertama cakupan ({_v(params.get('coverage_start_month'))}): "
            f"{_v(p['age_at_coverage_start'])} tahun",
            f"  Status hidup saat seleksi: {_v(p['status_hidup'])}"
            + (f", meninggal {p['tanggal_kematian']}" if p["tanggal_kematian"] else ""),
        ]
    if p["is_in_latest_dukcapil"]:
        death = (
            f"MENINGGAL {_v(p['latest_tanggal_kematian'])}"
            if p["latest_status_hidup"] == "MATI" or p["latest_tanggal_kematian"]
            else _v(p["latest_status_hidup"])
        )
        lines.append(
            f"  Dukcapil terbaru (snapshot {_v(p['latest_dukcapil_snapshot_date'])}): {death}; "
            f"kelurahan {_v(p['latest_nama_kelurahan'])} ({_v(p['latest_kode_kelurahan'])})"
        )
    else:
        lines.append("  Dukcapil terbaru: NIK ini tidak ada di snapshot terbaru.")
    return lines


def _dtsen(p: dict) -> list[str]:
    lines = [
        "",
        f"DTSEN (snapshot {_v(p['dtsen_snapshot_date'])}, baris {_v(p['dtsen_line_no'])})",
        f"  Keluarga {_v(p['id_keluarga'])}: {_v(p['household_size'])} orang dalam rumah tangga; "
        f"hubungan: {_v(p['hubungan_keluarga'])}; desil {_v(p['desil'])}",
        f"  Pekerjaan utama: {_v(p['pekerjaan_utama'])} -> "
        + (f"kategori informal {p['kategori_informal']}" if p["kategori_informal"] else "bukan pekerjaan informal"),
    ]
    if (p["dtsen_rows"] or 1) > 1:
        lines.append(
            f"  NIK ini ada di {p['dtsen_rows']} baris DTSEN (cacat data): keluarga "
            f"{p['duplicate_id_keluarga_list']}, desil {p['duplicate_desil_list']}, baris "
            f"{p['duplicate_line_numbers']}; yang dipakai: keluarga {p['id_keluarga']} "
            "(desil terendah, lalu id_keluarga terkecil)"
        )
    return lines


def _memberships(rows: list[dict]) -> list[str]:
    lines = ["", "BPJS Ketenagakerjaan"]
    for m in rows:
        which = " dan ".join(
            name
            for name, flag in (("seleksi", m["is_selection_snapshot"]), ("terbaru", m["is_latest_snapshot"]))
            if flag
        )
        payer = f"{m['sumber_iuran']} (program ini)" if m["is_program_payer"] else m["sumber_iuran"]
        lines.append(
            f"  snapshot {_v(m['snapshot_date'])} ({which}): KPJ {m['kpj']}, segmen {_v(m['segmen'])}, "
            f"dibayar {payer}, {_v(m['status_kepesertaan'])} sejak {_v(m['tgl_kepesertaan'])}"
            + (f", nonaktif {m['tgl_nonaktif']}" if m["tgl_nonaktif"] else "")
        )
    if not rows:
        lines.append("  Tidak ada kepesertaan di snapshot seleksi maupun terbaru.")
    return lines


def _rules(rules: list[dict], p: dict, params: dict) -> list[str]:
    lines = ["", f"Aturan kelayakan (per tanggal seleksi {_v(params.get('selection_date'))})"]
    for rule in rules:
        facts = "; ".join(f"{FACT_LABELS.get(k, k)}: {_v(v)}" for k, v in rule["facts"].items())
        why = " (tidak ada di Dukcapil)" if not rule["evaluated"] else ""
        lines.append(f"  [{OUTCOMES[rule['passed']]}] {rule['aturan']}{why} - {facts}")
    verdict = "LAYAK" if p["is_eligible"] else f"TIDAK LAYAK ({p['reasons'].replace(',', ', ')})"
    lines.append(f"  Hasil: {verdict}")
    return lines


def _ranking(story: dict, params: dict) -> list[str]:
    p, w, r = story["person"], story["waitlist"], story["replacement"]
    if not p["is_eligible"]:
        return []
    lines = [
        "",
        f"Peringkat prioritas {p['priority_rank']:,} (kapasitas {params.get('capacity', 0):,}; urutan: "
        "desil, besar rumah tangga, tanggal lahir, NIK)",
    ]
    if p["is_selected"]:
        lines.append("  TERPILIH sebagai peserta.")
        return lines
    lines.append(f"  DAFTAR TUNGGU nomor {p['waitlist_rank']:,}.")
    if w is None:
        return lines
    if not w["is_still_eligible"]:
        lines.append(
            f"  Menurut snapshot terbaru tidak lagi layak ({w['recheck_reasons'].replace(',', ', ')}): "
            "dilewati, tidak dipanggil, tetap memegang nomornya."
        )
    elif w["is_called"]:
        lines.append("  DIPANGGIL sebagai pengganti" + _replacement(r) + ".")
    else:
        lines.append(
            f"  Masih layak menurut snapshot terbaru; {w['waiting_ahead']:,} orang layak di depannya: "
            f"{w['slots_to_free']:,} slot harus kosong sampai gilirannya tiba."
        )
    return lines


def _replacement(r: dict | None) -> str:
    if r is None:
        return ""
    order = r.get("call_order", r.get("replacement_order"))
    text = f" (urutan panggilan {order}"
    if r.get("replaces_nik"):
        text += f", menggantikan NIK {r['replaces_nik']}"
    start = r.get("slot_start_month", r.get("replacement_start_month"))
    if start:
        text += f", slot mulai {_month(start)}"
    if "is_registered" in r:
        text += ", sudah terdaftar di BPJS" if r["is_registered"] else ", belum terdaftar di BPJS"
    return text + ")"


def _enrollment(story: dict) -> list[str]:
    e = story["enrollment"]
    if e is None:
        return []
    source = {"SELECTED": "terpilih", "REPLACEMENT": "pengganti"}.get(e.get("source"), "terpilih")
    lines = [
        "",
        f"Kepesertaan ({source})",
        f"  Status: {e['status']}; KPJ {_v(e['kpj'])}"
        + (
            f"; terdaftar mulai {_month(e['enrolled_month'])}"
            if e["enrolled_month"]
            else "; belum didaftarkan BPJS (slotnya tetap dipegang)"
        ),
    ]
    if e["exit_month"]:
        lines.append(f"  Keluar: {_month(e['exit_month'])} ({e['exit_reason']}); cakupan sampai akhir bulan itu")
    for rep in story["replaced_by"]:
        lines.append(
            f"  Slotnya diisi NIK {rep['nik']} (urutan panggilan {rep.get('call_order')}, "
            f"mulai {_month(rep.get('slot_start_month'))})"
        )
    return lines


def _months(months: list[dict]) -> list[str]:
    if not months:
        return ["", "Pembayaran: tidak ada baris rekonsiliasi."]
    lines = [
        "",
        "Bulan demi bulan (rekonsiliasi)",
        f"  {'periode':<16}{'diharapkan':>12}{'dibayar':>12}{'selisih':>12}  kategori",
    ]
    for m in months:
        lines.append(
            f"  {_month(m['period']):<16}{_rp(m['expected_idr']):>12}{_rp(m['paid_idr']):>12}"
            f"{_rp(m['difference_idr']):>12}  {m['category']}"
        )
    return lines


def _v(value) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M") + "Z"
    return str(value)


def _month(value) -> str:
    return "-" if value is None else month_id(value)


def _rp(amount) -> str:
    if amount is None:
        return "-"
    return ("-" if amount < 0 else "") + "Rp" + f"{abs(amount):,}".replace(",", ".")
