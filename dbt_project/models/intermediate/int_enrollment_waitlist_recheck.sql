-- The waiting list re-checked on the latest snapshots (program-rules.md section 5): every
-- rule of section 3 (the eligibility_rules macro, as for the selection) on the latest DTSEN,
-- Dukcapil and BPJS snapshots, age still on the first day of coverage_start_month. Ranks
-- never change (section 4). A waitlisted person missing from the latest DTSEN has no desil
-- and no occupation there, so fails the two DTSEN rules.
-- is_still_eligible: no rule fails, any recorded death included. A death only decides which
-- slots the person could fill (alive on the slot's first day), so the allocation
-- (int_enrollment_slot_allocation) reads is_eligible_while_alive and died_on.
with

ranked as (

    select * from {{ ref('int_eligibility_ranked') }}

),

dtsen as (

    select * from {{ ref('stg_dtsen__individuals') }}

    where batch_id = {{ latest_batch('dtsen') }}

),

residents as (

    select * from {{ ref('int_dukcapil_residents_latest') }}

),

memberships as (

    select * from {{ ref('int_bpjs_memberships_latest') }}

),

informal_jobs as (

    select * from {{ ref('pekerjaan_informal') }}

),

parameters as (

    select * from {{ ref('int_program_parameters') }}

),

waitlist as (

    select
        nik,
        priority_rank,
        waitlist_rank

    from ranked

    where waitlist_rank is not null

),

latest_dtsen as (

    -- A NIK on several rows takes the lowest desil, then the lowest id_keluarga (section 3).
    select distinct on (dtsen.nik)
        dtsen.nik,
        dtsen.desil,
        dtsen.pekerjaan_label

    from dtsen
    inner join waitlist
        on dtsen.nik = waitlist.nik

    order by dtsen.nik asc, dtsen.desil asc nulls last, dtsen.id_keluarga asc, dtsen.line_no asc

),

informal_categories as (

    select distinct
        meta.normalize_label(pekerjaan_utama) as pekerjaan_label,
        kategori_informal

    from informal_jobs

),

covered_by_other_payer as (

    {{ covered_by_other_payer() }}

),

facts as (

    select
        waitlist.nik,
        waitlist.priority_rank,
        waitlist.waitlist_rank,
        latest_dtsen.desil,
        informal_categories.kategori_informal,
        residents.nik is not null as is_in_dukcapil,
        residents.status_hidup,
        residents.tanggal_kematian,
        residents.kode_kota,
        cast(
            extract(year from age(parameters.coverage_start_month, residents.tanggal_lahir))
            as integer
        ) as age_at_coverage_start,
        covered_by_other_payer.nik is not null as is_covered_by_other_payer,
        parameters.min_age,
        parameters.max_age,
        parameters.max_desil,
        parameters.kode_kota as program_kode_kota,
        residents.nama_lengkap as nama,
        residents.kode_kelurahan,
        residents.nama_kelurahan,
        residents.kode_kecamatan,
        residents.nama_kecamatan

    from waitlist
    cross join parameters
    left join latest_dtsen
        on waitlist.nik = latest_dtsen.nik
    left join informal_categories
        on latest_dtsen.pekerjaan_label = informal_categories.pekerjaan_label
    left join residents
        on waitlist.nik = residents.nik
    left join covered_by_other_payer
        on waitlist.nik = covered_by_other_payer.nik

),

rules as (

    {{ eligibility_rules('facts') }}

),

final as (

    select
        nik,
        priority_rank,
        waitlist_rank,
        cardinality(reason_codes) = 0 as is_still_eligible,
        array_to_string(reason_codes, ',') as recheck_reasons,
        (
            cardinality(array_remove(reason_codes, 'DECEASED')) = 0
            and not coalesce(status_hidup = 'MATI' and tanggal_kematian is null, false)
        ) as is_eligible_while_alive,
        tanggal_kematian as died_on,
        desil,
        kategori_informal,
        nama,
        kode_kelurahan,
        nama_kelurahan,
        kode_kecamatan,
        nama_kecamatan

    from rules

)

select * from final
