-- One row per candidate for dashboards, pseudonymised (program-rules.md section 8):
-- person_key instead of the NIK, an age band instead of the date of birth, no names, no
-- KPJ. The key stays behind the pipeline role (secret.pseudonym_key). What payments do not
-- change comes ready from int_person_status_facts; the enrollment is joined here.
with

facts as (

    select * from {{ ref('int_person_status_facts') }}

),

enrollment as (

    select * from {{ ref('enrollment') }}

),

pseudonym_key as (

    select * from {{ ref('stg_secret__pseudonym_key') }}

),

final as (

    select
        {{ person_key('facts.nik') }} as person_key,
        facts.kode_kecamatan,
        facts.nama_kecamatan,
        facts.kode_kelurahan,
        facts.nama_kelurahan,
        facts.age_band,
        facts.jenis_kelamin,
        facts.desil,
        facts.kategori_informal,
        facts.is_eligible,
        facts.reasons,
        facts.is_selected,
        facts.is_waitlisted,
        enrollment.status as enrollment_status,
        enrollment.enrolled_month,
        enrollment.exit_month,
        enrollment.exit_reason

    from facts
    cross join pseudonym_key
    left join enrollment
        on facts.nik = enrollment.nik

)

select * from final
