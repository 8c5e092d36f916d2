-- The rows of the DTSEN snapshot in force on the selection date, with the two counts
-- the rules need from the whole snapshot: household size and how many rows carry the
-- same NIK (the known duplicate-NIK defect).
-- City-sized (2.6 M rows): both counts are computed on narrow (line_no, key) rows and
-- joined back by line number, so no wide row is sorted and staging types each row once.
-- `individuals` is read twice, inlined both times: the count needs only the NIK, so the
-- second scan types one column instead of storing 2.6 M typed rows for a second read.
with

individuals as not materialized (

    select * from {{ ref('stg_dtsen__individuals') }}

    where batch_id = {{ latest_batch('dtsen', var('selection_date')) }}

),

-- Household size counts every delivered row of the id_keluarga (program-rules section 4),
-- including rows the loader quarantined for a defect in another column: a mistyped birth
-- date of one child does not shrink a family. So it is counted over every delivered line
-- (stg_dtsen__household_lines), and joined back by line number (a join on the household
-- key itself lets the planner misjudge the number of households and nest loops).
delivered_households as (

    select
        line_no,
        count(*) over (partition by id_keluarga) as household_size

    from {{ ref('stg_dtsen__household_lines') }}

    where batch_id = {{ latest_batch('dtsen', var('selection_date')) }}

),

nik_counts as (

    select
        line_no,
        count(*) over (partition by nik) as nik_rows

    from individuals

),

counted as (

    select
        individuals.*,
        delivered_households.household_size,
        nik_counts.nik_rows

    from individuals

    inner join delivered_households
        on individuals.line_no = delivered_households.line_no
    inner join nik_counts
        on individuals.line_no = nik_counts.line_no

)

select * from counted
