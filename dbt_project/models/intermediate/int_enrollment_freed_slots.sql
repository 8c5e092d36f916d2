-- The slots freed for replacements (program-rules.md section 5) that are known before any
-- replacement is called: each exited selected participant frees one slot, from the month
-- after exit_month (never before coverage_start_month) to coverage_end_month. The slots
-- freed by called replacements who later die are added by the allocation
-- (int_enrollment_slot_allocation), which consumes this model in slot order (freed_month,
-- freed_rank). A budget revision (APBD-P) that changes the capacity of a decided cohort
-- (rentan.transform.cohort, docs/decisions.md): a raise adds capacity - cohort_size slots from the
-- month after the latest month with payment data (frees_nik null, after that month's
-- exits). A cut is accepted only while it covers every participant holding a slot
-- (rentan.transform.cohort's capacity check), so it changes no slot here.
with

selected as (

    select * from {{ ref('int_enrollment_selected') }}

),

parameters as (

    select * from {{ ref('int_program_parameters') }}

),

headroom as (

    select * from {{ ref('int_enrollment_replacement_headroom') }}

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

raise_start as (

    -- A raised capacity's slots start the month after the latest payment data.
    select
        parameters.cohort_size,
        parameters.capacity - parameters.cohort_size as added_slots,
        greatest(
            cast(headroom.latest_payment_period + interval '1 month' as date),
            parameters.coverage_start_month
        ) as slot_start_month

    from parameters
    cross join headroom

),

capacity_raise as (

    select
        'CAPACITY' as slot_source,
        cast(raise_start.slot_start_month - interval '1 month' as date) as freed_month,
        raise_start.cohort_size + series.added_slot as freed_rank,
        cast(null as text) as frees_nik,
        raise_start.slot_start_month

    from raise_start
    cross join generate_series(1, greatest(raise_start.added_slots, 0)) as series (added_slot)

),

final as (

    select
        exits.slot_source,
        exits.freed_month,
        exits.freed_rank,
        exits.frees_nik,
        exits.slot_start_month

    from exits
    cross join parameters

    where exits.slot_start_month <= parameters.coverage_end_month

    union all

    select capacity_raise.*

    from capacity_raise
    cross join parameters

    where capacity_raise.slot_start_month <= parameters.coverage_end_month

)

select * from final
