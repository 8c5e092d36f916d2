{{ config(indexes=[{'columns': ['nik'], 'unique': true}]) }}

-- One person's case as an officer explains it (`rentan explain NIK`): one row per candidate
-- of the selection snapshot, with the DTSEN row the candidate took (and the other rows of a
-- duplicated NIK), the civil-registry identity and address at selection, the death in the
-- latest Dukcapil snapshot, and the eligibility outcome and ranks of int_eligibility_ranked.
-- The rules are decided there, not here. What changes with payments (enrollment,
-- replacements, months) is read from ops.enrollment, ops.replacement_list,
-- ops.person_case_waitlist and ops.reconciliation, so a new payment file does not rebuild
-- this city-sized table.
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

residents_latest as (

    select * from {{ ref('int_dukcapil_residents_latest') }}

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

        ---------- civil registry now (the latest snapshot): a death here ends enrollment
        residents_latest.snapshot_date as latest_dukcapil_snapshot_date,
        residents_latest.nik is not null as is_in_latest_dukcapil,
        residents_latest.status_hidup as latest_status_hidup,
        residents_latest.tanggal_kematian as latest_tanggal_kematian,
        residents_latest.kode_kelurahan as latest_kode_kelurahan,
        residents_latest.nama_kelurahan as latest_nama_kelurahan,

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
    left join residents_latest
        on ranked.nik = residents_latest.nik
    left join wilayah
        on ranked.kode_kelurahan = wilayah.kode_kelurahan

)

select * from final
