{{ config(indexes=[{'columns': ['nik'], 'unique': true}]) }}

-- One person's case as an officer explains it (`rentan explain NIK`): one row per candidate
-- of the selection snapshot, with the DTSEN row the candidate took (and the other rows of a
-- duplicated NIK), the civil-registry identity and address at selection, and the eligibility
-- outcome and ranks of int_eligibility_ranked. The rules are decided there, not here. Only what
-- is fixed at selection: what changes later is read from ops.person_case_dukcapil_latest (the
-- latest Dukcapil snapshot), ops.enrollment, ops.replacement_list, ops.person_case_waitlist and
-- ops.reconciliation, so a month's deliveries do not rebuild this city-sized table.
with

ranked as (

    select * from {{ ref('int_eligibility_ranked') }}

),

dtsen_rows as (

    select * from {{ ref('int_dtsen_candidates_deduplicated') }}

),

duplicates as (

    select * from {{ ref('dq_dtsen_duplicate_nik') }}

),

residents as (

    select * from {{ ref('int_dukcapil_residents_at_selection') }}

),

wilayah as (

    select * from {{ ref('wilayah_kota_bekasi') }}

),

final as (

    select
        ---------- the decision (int_eligibility_ranked)
        ranked.nik,
        ranked.is_eligible,
        ranked.reasons,
        ranked.priority_rank,
        ranked.is_selected,
        ranked.waitlist_rank,

        ---------- the DTSEN row the candidate took
        dtsen_rows.snapshot_date as dtsen_snapshot_date,
        dtsen_rows.line_no as dtsen_line_no,
        ranked.id_keluarga,
        dtsen_rows.no_kk as dtsen_no_kk,
        dtsen_rows.nama as dtsen_nama,
        dtsen_rows.hubungan_keluarga,
        dtsen_rows.kode_wilayah as dtsen_kode_wilayah,
        ranked.desil,
        ranked.household_size,
        ranked.pekerjaan_utama,
        ranked.kategori_informal,
        ranked.dtsen_rows,
        duplicates.id_keluarga_list as duplicate_id_keluarga_list,
        duplicates.desil_list as duplicate_desil_list,
        duplicates.line_numbers as duplicate_line_numbers,

        ---------- civil registry at selection
        ranked.is_in_dukcapil,
        residents.snapshot_date as dukcapil_snapshot_date,
        residents.nama_lengkap,
        residents.jenis_kelamin,
        residents.tempat_lahir,
        ranked.tanggal_lahir,
        ranked.age_at_coverage_start,
        residents.alamat,
        residents.rt,
        residents.rw,
        ranked.kode_kelurahan,
        wilayah.nama_kelurahan,
        wilayah.nama_kecamatan,
        left(ranked.kode_kelurahan, 4) as kode_kota,
        ranked.status_hidup,
        ranked.tanggal_kematian,

        ---------- BPJS at selection (the memberships: ops.person_case_memberships)
        ranked.is_covered_by_other_payer,

        ---------- lineage
        ranked.dtsen_batch_id,
        ranked.dukcapil_batch_id

    from ranked
    left join dtsen_rows
        on ranked.nik = dtsen_rows.nik
    left join duplicates
        on ranked.nik = duplicates.nik
    left join residents
        on ranked.nik = residents.nik
    left join wilayah
        on ranked.kode_kelurahan = wilayah.kode_kelurahan

)

select * from final
