-- The replacement arithmetic (program-rules.md section 5), one row, no personal data: the
-- slots freed by exits, how many are filled (called replacements, registered by BPJS or
-- pending), why the others are not (budget or waiting list), and the headroom before and
-- after the calls.
with

parameters as (

    select * from {{ ref('int_program_parameters') }}

),

participants as (

    select * from {{ ref('int_enrollment_participants') }}

),

allocation as (

    select * from {{ ref('int_enrollment_slot_allocation') }}

),

headroom as (

    select * from {{ ref('int_enrollment_replacement_headroom') }}

),

waitlist as (

    select * from {{ ref('int_enrollment_waitlist_recheck') }}

),

budget as (

    select * from {{ ref('int_budget_monthly') }}

),

statuses as (

    select
        cast(count(*) filter (where source = 'SELECTED') as integer) as selected_participants,
        cast(count(*) filter (where status = 'ACTIVE') as integer) as active_participants,
        cast(count(*) filter (where status = 'SELECTED_NOT_REGISTERED') as integer) as not_registered,
        cast(count(*) filter (where status = 'EXITED') as integer) as exited,
        cast(count(*) filter (where source = 'REPLACEMENT' and kpj is not null) as integer) as registered,
        cast(count(*) filter (
            where source = 'REPLACEMENT' and status = 'SELECTED_NOT_REGISTERED'
        ) as integer) as pending

    from participants

),

slots as (

    select
        cast(count(*) as integer) as free_slots,
        cast(count(nik) as integer) as replacements,
        cast(count(*) filter (where unfilled_reason = 'BUDGET') as integer) as unfilled_budget,
        cast(count(*) filter (where unfilled_reason = 'WAITING_LIST') as integer) as unfilled_waiting_list,
        cast(
            coalesce(sum(slot_cost_idr) filter (where nik is not null), 0) as bigint
        ) as replacements_cost_idr,
        (
            array_agg(unfilled_reason order by slot_order) filter (where nik is null)
        )[1] as first_unfilled_reason

    from allocation

),

candidates as (

    select
        cast(count(*) as integer) as waitlist_count,
        cast(count(*) filter (where is_still_eligible) as integer) as eligible_waitlist_count

    from waitlist

),

year_end as (

    -- The last month of the year carries the projection as of the latest payment data.
    select
        budget.projected_year_end_idr,
        budget.headroom_idr

    from budget

    order by budget.period desc

    limit 1

),

final as (

    select
        parameters.capacity,
        statuses.selected_participants,
        statuses.active_participants,
        statuses.not_registered,
        statuses.exited,
        slots.free_slots,
        slots.replacements,
        slots.replacements as called,  -- noqa: RF04
        statuses.registered,
        statuses.pending,
        slots.free_slots - slots.replacements as unfilled_slots,
        slots.unfilled_budget,
        slots.unfilled_waiting_list,
        coalesce(slots.first_unfilled_reason, 'FREE_SLOTS') as replacement_limit,
        candidates.waitlist_count,
        candidates.eligible_waitlist_count,
        headroom.latest_payment_period,
        headroom.remaining_months,
        parameters.monthly_premium_idr,
        parameters.monthly_premium_idr * headroom.remaining_months as cost_per_replacement_idr,
        headroom.projected_before_replacements_idr,
        headroom.headroom_before_replacements_idr,
        slots.replacements_cost_idr,
        headroom.headroom_before_replacements_idr
        - slots.replacements_cost_idr as headroom_after_replacements_idr,
        case
            when headroom.remaining_months > 0
                then
                    greatest(headroom.headroom_before_replacements_idr - slots.replacements_cost_idr, 0)
                    / (parameters.monthly_premium_idr * headroom.remaining_months)
            else 0
        end as budget_slots,
        year_end.projected_year_end_idr,
        year_end.headroom_idr

    from parameters
    cross join statuses
    cross join slots
    cross join candidates
    cross join headroom
    cross join year_end

)

select * from final
