"""`rentan explain NIK`: one person's whole story, from the published version, as the officer reads it
to the resident: one conclusion sentence first, the next step when the data suggest one, then the
details, in Bahasa Indonesia with labels (ops.vocabulary), Indonesian numbers and dates, and WIB.
No other person's NIK is ever part of the story: a replacement reads "menggantikan peserta yang
meninggal pada Februari 2026".

It connects with a programme officer's login (role rentan_officer), never as the pipeline,
records the look-up (officer.record_lookup, migration V017: who, when, which NIK) and reads
the published ops relations by NIK: ops.person_case (the decision and its facts at selection),
ops.person_case_dukcapil_latest (the latest civil registry), ops.eligibility_rules,
ops.person_case_memberships, ops.person_case_waitlist, ops.enrollment, ops.replacement_list
and ops.reconciliation. Nothing here decides a rule: pass or fail is the published `reasons`;
this module only tells the story, in Bahasa Indonesia (the officers' language), or as JSON for
other tools.
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

from rentan.identifiers import normalize_id
from rentan.reports import vocabulary
from rentan.reports.formatting import BEKASI_TIME, date_id, month_id, number, rupiah_for_readers
from rentan.warehouse import airflow_connection_url, warehouse_url
from rentan.warehouse.embedded import EmbeddedWarehouse
from rentan.warehouse.errors import WarehouseError

OFFICER_URL_ENV = "RENTAN_OFFICER_URL"
OFFICER_LOGIN = "rentan_officer_user"
OFFICER_ROLE = "rentan_officer"
TOOL = "rentan explain"
# Every relation the story reads, locked together (ACCESS SHARE) so a publish cannot swap
# versions in the middle of one look-up.
RELATIONS = (
    "person_case",
    "person_case_dukcapil_latest",
    "eligibility_rules",
    "program_parameters",
    "person_case_memberships",
    "person_case_waitlist",
    "enrollment",
    "replacement_list",
    "reconciliation",
    "vocabulary",
)
# Columns that name another person: never part of a story (a third person's personal data).
THIRD_PERSON_COLUMNS = ("replaces_nik", "slot_key")  # slot_key EXIT:<nik> names the participant who left


class UnknownNik(LookupError):
    """The NIK is in neither the published selection nor the published payments."""


def normalize_nik(text: str) -> str:
    """The NIK as the loader normalises it (rentan.identifiers.normalize_id); 16 digits or ValueError."""
    nik = normalize_id(text) or ""
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
                if person:
                    person |= _first(_read(cur, "person_case_dukcapil_latest", nik)) or {}
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
                    "replacement": _replacement(_first(_read(cur, "replacement_list", nik))),
                    "replaced_by": _read(cur, "replacement_list", nik, column="replaces_nik"),
                    "months": _read(cur, "reconciliation", nik, order=["period"]),
                }
                story = _without_third_persons(story)
            story["vocabulary"] = vocabulary.from_rows(_read(cur, "vocabulary", order=["domain", "sort_order"]))
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


def _replacement(call: dict | None) -> dict | None:
    """This person's call as a replacement, with the month the participant they replace died
    (`replaces_exit_month`: the month their slot was freed) instead of that participant's NIK."""
    if call and call.get("replaces_nik"):
        call["replaces_exit_month"] = call.get("freed_month")
    return call


def _without_third_persons(story: dict) -> dict:
    """The story with every column naming another person dropped (replaces_nik, and the NIK of
    whoever fills the slot this participant freed)."""
    for key in ("waitlist", "enrollment", "replacement"):
        if story.get(key):
            story[key] = {k: v for k, v in story[key].items() if k not in THIRD_PERSON_COLUMNS}
    story["replaced_by"] = [
        {k: v for k, v in call.items() if k not in (*THIRD_PERSON_COLUMNS, "nik")}
        for call in story.get("replaced_by", [])
    ]
    return story


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
    """The story for other tools: the relations' columns and codes, with the conclusion, the next
    steps and each code's label beside it."""
    words = story["vocabulary"]
    sentence, steps = conclusion(story)
    document = {k: v for k, v in story.items() if k != "vocabulary"} | {"kesimpulan": sentence, "langkah": steps}
    if document.get("enrollment"):
        document["enrollment"] = document["enrollment"] | {
            "status_label": words.label("enrollment_status", story["enrollment"]["status"])
        }
    document["months"] = [
        m | {"category_label": words.label("reconciliation_category", m["category"])} for m in story.get("months", [])
    ]
    return json.dumps(document, default=_json_value, ensure_ascii=False, indent=2)


def _json_value(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


# -- in Bahasa Indonesia ------------------------------------------------------------------

FACT_LABELS = {
    "is_in_dukcapil": "ada di Dukcapil",
    "dukcapil_snapshot_date": "data Dukcapil per",
    "status_hidup": "status hidup",
    "tanggal_kematian": "tanggal kematian",
    "kode_kelurahan": "kode kelurahan",
    "nama_kelurahan": "kelurahan",
    "kode_kota": "kode kota",
    "tanggal_lahir": "tanggal lahir",
    "age_at_coverage_start": "usia",
    "pekerjaan_utama": "pekerjaan utama",
    "kategori_informal": "kategori pekerjaan informal",
    "desil": "desil",
    "is_covered_by_other_payer": "kepesertaan aktif dibayar pihak lain",
}
# Which vocabulary domain labels a fact's value.
FACT_DOMAINS = {"status_hidup": "life_status", "kategori_informal": "informal_category"}
OUTCOMES = {True: "LULUS", False: "GAGAL", None: "TIDAK DIPERIKSA"}


def unknown_sentence(nik: str) -> str:
    return (
        f"NIK {nik} tidak ditemukan dalam versi terbit: bukan calon dari DTSEN pada tanggal seleksi "
        "dan tidak ada dalam data pembayaran BPJS. Periksa kembali NIK-nya."
    )


def render(story: dict) -> str:
    """The story as the officer reads it out: the conclusion, the next steps, then the details."""
    sentence, steps = conclusion(story)
    lines = [f"NIK {story['nik']}", "", sentence]
    if steps:
        lines += ["", "Langkah berikutnya:"] + [f"  - {step}" for step in steps]
    lines += [
        "",
        "Rincian",
        f"  Data versi terbit {story['published_version'] or '-'}, diterbitkan {_when(story['published_at'])}; "
        f"akses ini dicatat (nomor {story['lookup_id']}).",
    ]
    params, person = story["parameters"] or {}, story["person"]
    words = story["vocabulary"]
    if person is not None:
        lines += _identity(person, params, words) + _dtsen(person, words) + _memberships(story["memberships"], words)
        lines += _rules(story["rules"], person, params, words) + _ranking(story, params)
    lines += _enrollment(story, words) + _months(story["months"], words)
    # The output edge: the officer's terminal reads this text (the operator's neutraliser belongs here).
    return "\n".join(lines)


def conclusion(story: dict) -> tuple[str, list[str]]:
    """One sentence a resident can hear, and the next steps the data suggest (officer's actions)."""
    words: vocabulary.Vocabulary = story["vocabulary"]
    person, e, w, call = story["person"], story["enrollment"], story["waitlist"], story["replacement"]
    steps: list[str] = []
    if person is None:
        sentence = (
            "Anda bukan calon peserta program: NIK ini tidak ada di DTSEN pada tanggal seleksi, "
            "tetapi BPJS menagihkan iuran atas NIK ini ke program."
        )
        steps.append(words.action("reconciliation_category", "NOT_A_PARTICIPANT"))
        return sentence, steps
    if not person["is_eligible"]:
        codes = [c for c in person["reasons"].split(",") if c]
        reasons = ", ".join(_lower(words.label("eligibility_reason", c)) for c in codes)
        sentence = f"Anda tidak terpilih karena tidak memenuhi syarat program: {reasons}."
        steps += [words.action("eligibility_reason", c) for c in codes]
    elif e is not None and e["status"] == "EXITED":
        death = _month(e["exit_month"])
        sentence = (
            f"Peserta ini tercatat meninggal dunia pada {death}: kepesertaannya berakhir, "
            f"dan perlindungannya berlaku sampai akhir {death}."
        )
        if story["replaced_by"]:
            first = min(call["slot_start_month"] for call in story["replaced_by"] if call.get("slot_start_month"))
            sentence += f" Slotnya sudah diisi pengganti dari daftar tunggu mulai {_month(first)}."
        if _still_active_at_bpjs(story):
            steps.append(
                "BPJS Ketenagakerjaan masih mencatat kepesertaannya aktif: minta BPJS menonaktifkannya "
                "sejak bulan sesudah kematian."
            )
    elif call is not None:
        replaced = call.get("replaces_exit_month")
        whom = f"peserta yang meninggal pada {_month(replaced)}" if replaced else "peserta yang keluar"
        sentence = (
            f"Anda dipanggil dari daftar tunggu sebagai pengganti {whom}; slot Anda mulai "
            f"{_month(call.get('slot_start_month'))}"
        )
        sentence += _registration(e)
    elif person["is_selected"]:
        sentence = "Anda terpilih sebagai peserta program" + _registration(e)
    elif w is not None and not w["is_still_eligible"]:
        codes = [c for c in (w["recheck_reasons"] or "").split(",") if c]
        reasons = ", ".join(_lower(words.label("eligibility_reason", c)) for c in codes)
        sentence = (
            f"Anda di daftar tunggu nomor {number(person['waitlist_rank'])}, tetapi menurut data terbaru tidak lagi "
            f"memenuhi syarat ({reasons}): Anda dilewati ketika slot diisi dan tetap memegang nomor Anda."
        )
        steps += [words.action("eligibility_reason", c) for c in codes]
    else:
        waiting = (
            f"; {number(w['slots_to_free'])} slot harus kosong sampai giliran Anda tiba"
            if w and w.get("slots_to_free")
            else ""
        )
        sentence = (
            "Anda memenuhi syarat tetapi belum terpilih karena kapasitas program sudah penuh: Anda di daftar "
            f"tunggu nomor {number(person['waitlist_rank'])}{waiting}."
        )
    if e is not None and e["status"] == "SELECTED_NOT_REGISTERED":
        steps.append(words.action("enrollment_status", "SELECTED_NOT_REGISTERED"))
    for code in ("PAID_AFTER_DEATH", "UNPAID", "UNDERPAID", "DUPLICATE", "OVERPAID"):
        months = [m for m in story["months"] if m["category"] == code]
        if months:
            steps.append(
                f"{words.label('reconciliation_category', code)} pada "
                f"{', '.join(_month(m['period']) for m in months)}: {words.action('reconciliation_category', code)}"
            )
    return sentence, [step for step in steps if step]


def _lower(label: str) -> str:
    """A label inside a sentence: its first letter small, unless it starts an acronym (BPJS, DTSEN)."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def _registration(e: dict | None) -> str:
    if e is None:
        return "."
    if e["status"] == "ACTIVE" or e.get("enrolled_month"):
        return (
            f", dan terdaftar di BPJS Ketenagakerjaan sejak {_month(e['enrolled_month'])}; "
            "iuran Anda dibayar Pemerintah Kota Bekasi."
        )
    return ", tetapi BPJS Ketenagakerjaan belum mendaftarkan Anda; slot Anda tetap disimpan."


def _still_active_at_bpjs(story: dict) -> bool:
    """The latest BPJS check still shows a programme membership active after the death."""
    return any(
        m["is_latest_snapshot"] and m["is_program_payer"] and m["status_kepesertaan"] == "AKTIF"
        for m in story["memberships"]
    )


def _identity(p: dict, params: dict, words) -> list[str]:
    if not p["is_in_dukcapil"]:
        lines = ["", "Data kependudukan: NIK ini tidak ada di data Dukcapil pada tanggal seleksi."]
    else:
        rt_rw = f", RT {p['rt']}/RW {p['rw']}" if p["rt"] or p["rw"] else ""
        born = ", ".join(_v(v) for v in (p["tempat_lahir"], p["tanggal_lahir"]) if v)
        lines = [
            "",
            f"Data kependudukan (Dukcapil, data per {_v(p['dukcapil_snapshot_date'])})",
            f"  Nama: {_v(p['nama_lengkap'])}; jenis kelamin: {words.label('sex', p['jenis_kelamin'])}; lahir: {born}",
            f"  Alamat: {_v(p['alamat'])}{rt_rw}; kelurahan {_v(p['nama_kelurahan'])}, "
            f"kecamatan {_v(p['nama_kecamatan'])}",
            f"  Usia pada hari pertama cakupan ({_v(params.get('coverage_start_month'))}): "
            f"{_v(p['age_at_coverage_start'])} tahun",
            f"  Pada tanggal seleksi: {_life(p['status_hidup'], p['tanggal_kematian'], words)}",
        ]
    if p["is_in_latest_dukcapil"]:
        lines.append(
            f"  Menurut data Dukcapil terbaru (per {_v(p['latest_dukcapil_snapshot_date'])}): "
            f"{_life(p['latest_status_hidup'], p['latest_tanggal_kematian'], words)}; "
            f"kelurahan {_v(p['latest_nama_kelurahan'])}"
        )
    else:
        lines.append("  NIK ini tidak ada di data Dukcapil terbaru.")
    return lines


def _life(status: str | None, died: dt.date | None, words) -> str:
    if status == "MATI" or died:
        return _lower(words.label("life_status", "MATI")) + (f" pada {date_id(died)}" if died else "")
    return _lower(words.label("life_status", status)) if status else "-"


def _dtsen(p: dict, words) -> list[str]:
    category = (
        f"termasuk {_lower(words.label('informal_category', p['kategori_informal']))}"
        if p["kategori_informal"]
        else _lower(words.label("informal_category", "NONE"))
    )
    lines = [
        "",
        f"DTSEN (data per {_v(p['dtsen_snapshot_date'])}, baris {_v(p['dtsen_line_no'])})",
        f"  Keluarga {_v(p['id_keluarga'])}: {_v(p['household_size'])} orang dalam rumah tangga; "
        f"hubungan: {_v(p['hubungan_keluarga'])}; desil {_v(p['desil'])}",
        f"  Pekerjaan utama: {_v(p['pekerjaan_utama'])} ({category})",
    ]
    if (p["dtsen_rows"] or 1) > 1:
        lines.append(
            f"  NIK ini ada di {p['dtsen_rows']} baris DTSEN (cacat data): keluarga "
            f"{p['duplicate_id_keluarga_list']}, desil {p['duplicate_desil_list']}, baris "
            f"{p['duplicate_line_numbers']}; yang dipakai: keluarga {p['id_keluarga']} "
            "(desil terendah, lalu nomor keluarga terkecil)"
        )
    return lines


def _memberships(rows: list[dict], words) -> list[str]:
    lines = ["", "BPJS Ketenagakerjaan"]
    for m in rows:
        which = " dan ".join(
            name
            for name, flag in (("saat seleksi", m["is_selection_snapshot"]), ("terbaru", m["is_latest_snapshot"]))
            if flag
        )
        payer = "Pemerintah Kota Bekasi (program ini)" if m["is_program_payer"] else f"pihak lain ({m['sumber_iuran']})"
        lines.append(
            f"  data per {_v(m['snapshot_date'])} ({which}): KPJ {m['kpj']}, segmen {_v(m['segmen'])}, "
            f"iuran dibayar {payer}, {_lower(words.label('membership_status', m['status_kepesertaan']))} "
            f"sejak {_v(m['tgl_kepesertaan'])}"
            + (f", tidak aktif sejak {_v(m['tgl_nonaktif'])}" if m["tgl_nonaktif"] else "")
        )
    if not rows:
        lines.append("  Tidak ada kepesertaan pada pemeriksaan saat seleksi maupun terbaru.")
    return lines


def _rules(rules: list[dict], p: dict, params: dict, words) -> list[str]:
    lines = ["", f"Aturan kelayakan (per tanggal seleksi {_v(params.get('selection_date'))})"]
    for rule in rules:
        facts = "; ".join(f"{FACT_LABELS.get(k, k)}: {_fact(k, v, words)}" for k, v in rule["facts"].items())
        why = " (tidak ada di Dukcapil)" if not rule["evaluated"] else ""
        lines.append(f"  [{OUTCOMES[rule['passed']]}] {_dates_id(rule['aturan'])}{why} - {facts}")
    if p["is_eligible"]:
        lines.append("  Hasil: memenuhi syarat")
    else:
        reasons = ", ".join(_lower(words.label("eligibility_reason", c)) for c in p["reasons"].split(",") if c)
        lines.append(f"  Hasil: tidak memenuhi syarat - {reasons}")
    return lines


def _ranking(story: dict, params: dict) -> list[str]:
    p, w, r = story["person"], story["waitlist"], story["replacement"]
    if not p["is_eligible"]:
        return []
    lines = [
        "",
        f"Peringkat prioritas {number(p['priority_rank'])} dari kapasitas {number(params.get('capacity', 0))} "
        "(urutan: desil, besar rumah tangga, tanggal lahir, NIK)",
    ]
    if p["is_selected"]:
        lines.append("  Terpilih sebagai peserta.")
        return lines
    lines.append(f"  Daftar tunggu nomor {number(p['waitlist_rank'])}.")
    if w is None:
        return lines
    if not w["is_still_eligible"]:
        lines.append("  Menurut data terbaru tidak lagi memenuhi syarat: dilewati, tetap memegang nomornya.")
    elif w["is_called"]:
        lines.append("  Dipanggil sebagai pengganti" + _call(r) + ".")
    else:
        lines.append(
            f"  Masih memenuhi syarat menurut data terbaru; {number(w['waiting_ahead'])} orang yang memenuhi "
            f"syarat ada di depannya: {number(w['slots_to_free'])} slot harus kosong sampai gilirannya tiba."
        )
    return lines


def _call(r: dict | None) -> str:
    if r is None:
        return ""
    text = f" (urutan panggilan {number(r.get('call_order'))}"
    if r.get("replaces_exit_month"):
        text += f", menggantikan peserta yang meninggal pada {_month(r['replaces_exit_month'])}"
    if r.get("slot_start_month"):
        text += f", slot mulai {_month(r['slot_start_month'])}"
    if "is_registered" in r:
        text += ", sudah terdaftar di BPJS" if r["is_registered"] else ", belum terdaftar di BPJS"
    return text + ")"


def _enrollment(story: dict, words) -> list[str]:
    e = story["enrollment"]
    if e is None:
        return []
    lines = [
        "",
        f"Kepesertaan ({_lower(words.label('participant_source', e.get('source') or 'SELECTED'))})",
        f"  Status: {_lower(words.label('enrollment_status', e['status']))}; KPJ {_v(e['kpj'])}"
        + (
            f"; terdaftar mulai {_month(e['enrolled_month'])}"
            if e["enrolled_month"]
            else "; belum didaftarkan BPJS (slotnya tetap dipegang)"
        ),
    ]
    if e["exit_month"]:
        lines.append(
            f"  Keluar: {_month(e['exit_month'])} ({_lower(words.label('exit_reason', e['exit_reason']))}); "
            "perlindungan sampai akhir bulan itu"
        )
    for call in story["replaced_by"]:
        lines.append(
            f"  Slotnya diisi pengganti dari daftar tunggu (urutan panggilan {number(call.get('call_order'))}, "
            f"mulai {_month(call.get('slot_start_month'))})"
        )
    return lines


def _months(months: list[dict], words) -> list[str]:
    if not months:
        return ["", "Pembayaran iuran: belum ada data rekonsiliasi."]
    lines = [
        "",
        "Pembayaran iuran bulan demi bulan",
        f"  {'bulan':<16}{'seharusnya':>12}{'dibayar':>12}{'selisih':>12}  keterangan",
    ]
    for m in months:
        lines.append(
            f"  {_month(m['period']):<16}{rupiah_for_readers(m['expected_idr']):>12}"
            f"{rupiah_for_readers(m['paid_idr']):>12}"
            f"{rupiah_for_readers(m['difference_idr']):>12}  {words.label('reconciliation_category', m['category'])}"
        )
    return lines


_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def _dates_id(text: str) -> str:
    """ISO dates inside a published sentence (a rule's text) as Indonesian dates."""
    return _ISO_DATE.sub(lambda m: date_id(dt.date(int(m[1]), int(m[2]), int(m[3]))), text)


def _fact(key: str, value, words) -> str:
    if key in FACT_DOMAINS and value is not None:
        return _lower(words.label(FACT_DOMAINS[key], value))
    return _v(value)


def _when(value) -> str:
    """A publication time in Bekasi's clock: '7 Desember 2026 pukul 07.43 WIB'."""
    if not isinstance(value, dt.datetime):
        return _v(value)
    local = value.astimezone(BEKASI_TIME)
    return f"{date_id(local.date())} pukul {local:%H.%M} WIB"


def _v(value) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, dt.datetime):
        return _when(value)
    if isinstance(value, dt.date):
        return date_id(value)
    if isinstance(value, int):
        return number(value)
    return str(value)


def _month(value) -> str:
    return "-" if value is None else month_id(value)
