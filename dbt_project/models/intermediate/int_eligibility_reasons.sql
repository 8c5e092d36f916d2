-- Every eligibility rule of program-rules.md section 3, each in one column of the
-- `rules` CTE: the one place a reason code is decided. A candidate keeps every
-- failing code. The three rules that need civil-registry facts (DECEASED,
-- NOT_BEKASI_RESIDENT, AGE_OUT_OF_RANGE) are not evaluated for a NIK that is not in
-- Dukcapil: it gets NOT_IN_DUKCAPIL instead, plus any failing DTSEN and BPJS rule.
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

    select
        *,

        ---------- civil registry
        case
            when not is_in_dukcapil then 'NOT_IN_DUKCAPIL'
        end as reason_not_in_dukcapil,

        case
            when
                is_in_dukcapil
                and (status_hidup = 'MATI' or tanggal_kematian <= selection_date)
                then 'DECEASED'
        end as reason_deceased,

        case
            when
                is_in_dukcapil
                and coalesce(kode_kota <> program_kode_kota, true)
                then 'NOT_BEKASI_RESIDENT'
        end as reason_not_bekasi_resident,

        case
            when
                is_in_dukcapil
                and coalesce(age_at_coverage_start not between min_age and max_age, true)
                then 'AGE_OUT_OF_RANGE'
        end as reason_age_out_of_range,

        ---------- DTSEN
        case
            when kategori_informal is null then 'NOT_INFORMAL_WORKER'
        end as reason_not_informal_worker,

        case
            when coalesce(desil > max_desil, true) then 'DESIL_ABOVE_MAX'
        end as reason_desil_above_max,

        ---------- BPJS
        case
            when is_covered_by_other_payer then 'ALREADY_COVERED'
        end as reason_already_covered

    from facts

),

reasons as (

    select
        *,
        array(
            select reason_code
            from
                unnest(array[
                    reason_not_in_dukcapil,
                    reason_deceased,
                    reason_not_bekasi_resident,
                    reason_age_out_of_range,
                    reason_not_informal_worker,
                    reason_desil_above_max,
                    reason_already_covered
                ]) as reason_code
            where reason_code is not null
            order by reason_code collate "C"
        ) as reason_codes

    from rules

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

    from reasons

)

select * from final
