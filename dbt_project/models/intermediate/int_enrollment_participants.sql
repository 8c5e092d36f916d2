-- Enrollment (program-rules.md section 5): one row per selected person. Enrolled once BPJS
-- shows a programme KPJ for the NIK (the earliest tgl_kepesertaan wins); enrolled_month is
-- that date's month, never before coverage_start_month. A death in the latest Dukcapil
-- snapshot ends enrollment: coverage runs through the month of death.
with

ranked as (

    select * from {{ ref('int_eligibility_ranked') }}

),

memberships as (

    select * from {{ ref('int_enrollment_program_memberships') }}

),

residents as (

    select * from {{ ref('int_dukcapil_residents_latest') }}

),

wilayah as (

    select * from {{ ref('wilayah_kota_bekasi') }}

),

parameters as (

    select * from {{ ref('int_program_parameters') }}

),

selected as (

    select
        nik,
        priority_rank,
        kode_kelurahan as kode_kelurahan_at_selection

    from ranked

    where is_selected

),

programme_kpj as (

    select * from memberships

    where kpj_order = 1

),

facts as (

    select
        selected.nik,
        selected.priority_rank,
        programme_kpj.kpj,
        coalesce(programme_kpj.kpj_count, 0) as kpj_count,
        programme_kpj.tgl_kepesertaan,
        programme_kpj.status_kepesertaan as bpjs_status_kepesertaan,
        programme_kpj.snapshot_date as membership_snapshot_date,
        residents.tanggal_kematian as died_on,
        coalesce(residents.nama_lengkap, programme_kpj.nama) as nama,
        coalesce(residents.kode_kelurahan, selected.kode_kelurahan_at_selection) as kode_kelurahan,
        -- An empty tgl_kepesertaan: enrolled as of the snapshot that first showed the KPJ.
        greatest(
            cast(date_trunc(
                'month', coalesce(programme_kpj.tgl_kepesertaan, programme_kpj.snapshot_date)
            ) as date),
            parameters.coverage_start_month
        ) as enrolled_month

    from selected
    cross join parameters
    left join programme_kpj
        on selected.nik = programme_kpj.nik
    left join residents
        on selected.nik = residents.nik

),

final as (

    select
        facts.nik,
        facts.kpj,
        case
            when facts.kpj is null then 'SELECTED_NOT_REGISTERED'
            when facts.died_on is not null then 'EXITED'
            else 'ACTIVE'
        end as status,
        case when facts.kpj is not null then facts.enrolled_month end as enrolled_month,
        case
            when facts.kpj is not null then cast(date_trunc('month', facts.died_on) as date)
        end as exit_month,
        case when facts.kpj is not null and facts.died_on is not null then 'DECEASED' end as exit_reason,
        facts.died_on,
        facts.priority_rank,
        facts.nama,
        facts.kode_kelurahan,
        wilayah.nama_kelurahan,
        wilayah.kode_kecamatan,
        wilayah.nama_kecamatan,
        facts.kpj_count,
        facts.tgl_kepesertaan,
        facts.bpjs_status_kepesertaan,
        facts.membership_snapshot_date

    from facts
    left join wilayah
        on facts.kode_kelurahan = wilayah.kode_kelurahan

)

select * from final
