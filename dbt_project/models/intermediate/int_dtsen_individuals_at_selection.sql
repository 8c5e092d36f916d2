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
-- date of one child does not shrink a family. So it is counted over raw, per delivered
-- line (stg_dtsen__household_lines), and joined back by line number (a join on the household key itself lets the
-- planner misjudge the number of households and nest loops over 160,000 rows).
delivered_households as (

    select
        line_no,
        count(*) over (partition by id_keluarga) as household_size

    from {{ ref('stg_dtsen__household_lines') }}

    where batch_id = {{ latest_batch('dtsen', var('selection_date')) }}

),

counted as (

    select
        individuals.*,
        delivered_households.household_size,
        count(*) over (partition by individuals.nik) as nik_rows

    from individuals

    inner join delivered_households
        on individuals.line_no = delivered_households.line_no

)

select * from counted
