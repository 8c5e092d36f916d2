-- Every selected person is on the registration list (a selected NIK always has a
-- Dukcapil record: NOT_IN_DUKCAPIL excludes the others), and nobody else is.
with

selected as (

    select nik from {{ ref('eligibility') }}

    where is_selected

),

registration as (

    select nik from {{ ref('registration_list') }}

),

missing as (

    select
        selected.nik,
        'selected but not on the registration list' as problem

    from selected

    where selected.nik not in (select registration.nik from registration)

),

extra as (

    select
        registration.nik,
        'on the registration list but not selected' as problem

    from registration

    where registration.nik not in (select selected.nik from selected)

)

select * from missing
union all
select * from extra
