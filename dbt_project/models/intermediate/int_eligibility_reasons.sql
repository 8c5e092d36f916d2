-- Every eligibility rule of program-rules.md section 3 on the snapshots in force on the
-- selection date. The rules themselves are the eligibility_rules macro (shared with the
-- waiting-list re-check on the latest snapshots): the one place a reason code is decided.
-- A candidate keeps every failing code.
with

candidates as (

    select * from {{ ref('int_dtsen_candidates_deduplicated') }}

),

residents as (

    select * from {{ ref('int_dukcapil_residents_at_selection') }}

),

memberships as (

    select * from {{ ref('int_bpjs_memberships_at_selection') }}

),

informal_jobs as (

    select * from {{ ref('pekerjaan_informal') }}

),

parameters as (

    select * from {{ ref('int_program_parameters') }}

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
        candidates.nik,
        candidates.id_keluarga,
        candidates.desil,
        candidates.household_size,
        candidates.nik_rows as dtsen_rows,
        candidates.pekerjaan_utama,
        informal_categories.kategori_informal,
        candidates.batch_id as dtsen_batch_id,
        residents.batch_id as dukcapil_batch_id,
        residents.nik is not null as is_in_dukcapil,
        residents.tanggal_lahir,
        residents.jenis_kelamin,
        residents.kode_wilayah as kode_kelurahan,
        left(residents.kode_wilayah, 4) as kode_kota,
        residents.status_hidup,
        residents.tanggal_kematian,
        cast(
            extract(year from age(parameters.coverage_start_month, residents.tanggal_lahir))
            as integer
        ) as age_at_coverage_start,
        covered_by_other_payer.nik is not null as is_covered_by_other_payer,
        parameters.selection_date,
        parameters.min_age,
        parameters.max_age,
        parameters.max_desil,
        parameters.kode_kota as program_kode_kota

    from candidates
    cross join parameters
    left join residents
        on candidates.nik = residents.nik
    left join informal_categories
        on candidates.pekerjaan_label = informal_categories.pekerjaan_label
    left join covered_by_other_payer
        on candidates.nik = covered_by_other_payer.nik

),

rules as (

    {{ eligibility_rules('facts', deceased_on_or_before='facts.selection_date') }}

),

final as (

    select
        nik,
        cardinality(reason_codes) = 0 as is_eligible,
        array_to_string(reason_codes, ',') as reasons,
        id_keluarga,
        desil,
        household_size,
        dtsen_rows,
        pekerjaan_utama,
        kategori_informal,
        is_in_dukcapil,
        tanggal_lahir,
        jenis_kelamin,
        age_at_coverage_start,
        kode_kelurahan,
        status_hidup,
        tanggal_kematian,
        is_covered_by_other_payer,
        dtsen_batch_id,
        dukcapil_batch_id

    from rules

)

select * from final
