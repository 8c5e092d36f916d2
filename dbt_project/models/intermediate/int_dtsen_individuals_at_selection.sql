-- The rows of the DTSEN snapshot in force on the selection date, with the two counts
-- the rules need from the whole snapshot: household size and how many rows carry the
-- same NIK (the known duplicate-NIK defect).
with

individuals as (

    select * from {{ ref('stg_dtsen__individuals') }}

    where batch_id = {{ latest_batch('dtsen', var('selection_date')) }}

),

-- Household size counts every delivered row of the id_keluarga (program-rules section 4),
-- including rows the loader quarantined for a defect in another column: a mistyped birth
-- date of one child does not shrink a family. So it is read from raw, not from staging.
delivered_households as (

    select
        meta.normalize_text(id_keluarga) as id_keluarga,
        count(*) as household_size

    from {{ source('raw', 'dtsen') }}

    where batch_id = {{ latest_batch('dtsen', var('selection_date')) }}

    group by meta.normalize_text(id_keluarga)

),

counted as (

    select
        individuals.*,
        delivered_households.household_size,
        count(*) over (partition by individuals.nik) as nik_rows

    from individuals

    inner join delivered_households
        on individuals.id_keluarga = delivered_households.id_keluarga

)

select * from counted
