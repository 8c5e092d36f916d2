-- Every delivered line of every DTSEN file with its household id, quarantined lines
-- included: household size counts every delivered row of the id_keluarga (program-rules
-- section 4), so a mistyped birth date of one child does not shrink a family.
with

source as (

    select * from {{ source('raw', 'dtsen') }}

),

household_lines as (

    select
        batch_id,
        line_no,
        meta.normalize_text(id_keluarga) as id_keluarga

    from source

)

select * from household_lines
