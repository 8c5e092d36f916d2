-- One row per candidate for dashboards, pseudonymised (program-rules.md section 8):
-- person_key instead of the NIK, an age band instead of the date of birth, no names, no
-- KPJ. The key stays behind the pipeline role (secret.pseudonym_key).
with

eligibility as (

    select * from {{ ref('eligibility') }}

),

enrollment as (

    select * from {{ ref('enrollment') }}

),

residents as (

    select * from {{ ref('int_dukcapil_residents_at_selection') }}

),

wilayah as (

    select * from {{ ref('wilayah_kota_bekasi') }}

),

pseudonym_key as (

    select * from {{ ref('stg_secret__pseudonym_key') }}

),

final as (

    select
        {{ person_key('eligibility.nik') }} as person_key,
        wilayah.kode_kecamatan,
        wilayah.nama_kecamatan,
        wilayah.kode_kelurahan,
        wilayah.nama_kelurahan,
        {{ age_band('eligibility.age_at_coverage_start') }} as age_band,
        residents.jenis_kelamin,
        eligibility.desil,
        eligibility.kategori_informal,
        eligibility.is_eligible,
        eligibility.reasons,
        eligibility.is_selected,
        eligibility.waitlist_rank is not null as is_waitlisted,
        enrollment.status as enrollment_status,
        enrollment.enrolled_month,
        enrollment.exit_month,
        enrollment.exit_reason

    from eligibility
    cross join pseudonym_key
    left join residents
        on eligibility.nik = residents.nik
    left join wilayah
        on eligibility.kode_kelurahan = wilayah.kode_kelurahan
    left join enrollment
        on eligibility.nik = enrollment.nik

)

select * from final
