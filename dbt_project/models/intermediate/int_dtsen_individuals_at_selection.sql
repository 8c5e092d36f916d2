-- The rows of the DTSEN snapshot in force on the selection date, with the two counts
-- the rules need from the whole snapshot: household size (rows of the id_keluarga)
-- and how many rows carry the same NIK (the known duplicate-NIK defect).
with

individuals as (

    select * from {{ ref('stg_dtsen__individuals') }}

    where batch_id = {{ latest_batch('dtsen', var('selection_date')) }}

),

counted as (

    select
        *,
        count(*) over (partition by id_keluarga) as household_size,
        count(*) over (partition by nik) as nik_rows

    from individuals

)

select * from counted
