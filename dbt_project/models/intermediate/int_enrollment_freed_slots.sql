-- The slots freed for replacements (program-rules.md section 5) that are known before any
-- replacement is called: each exited selected participant frees one slot, from the month
-- after exit_month (never before coverage_start_month) to coverage_end_month. The slots
-- freed by called replacements who later die are added by the allocation
-- (int_enrollment_slot_allocation), which consumes this model in slot order (freed_month,
-- freed_rank). Another source of slots (e.g. capacity raised by a budget revision) is a
-- UNION ALL of rows with the same columns, frees_nik null.
with

selected as (

    select * from {{ ref('int_enrollment_selected') }}

),

parameters as (

    select * from {{ ref('int_program_parameters') }}

),

exits as (

    select
        'EXIT' as slot_source,
        selected.exit_month as freed_month,
        selected.priority_rank as freed_rank,
        selected.nik as frees_nik,
        greatest(
            cast(selected.exit_month + interval '1 month' as date), parameters.coverage_start_month
        ) as slot_start_month

    from selected
    cross join parameters

    where selected.exit_month is not null

),

final as (

    select exits.*

    from exits
    cross join parameters

    where exits.slot_start_month <= parameters.coverage_end_month

)

select * from final
