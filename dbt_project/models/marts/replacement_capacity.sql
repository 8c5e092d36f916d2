-- The replacement arithmetic (program-rules.md section 5), one row, no personal data: the
-- slots freed so far (by exits and capacity rises), how many are filled (the era's calls:
-- those of earlier versions and this version's new ones, registered by BPJS or pending), why the
-- others are not (capacity, budget or waiting list), and the headroom left for calls before and
-- after this version's new ones.
with

parameters as (

    select * from {{ ref('int_program_parameters') }}

),

participants as (

    select * from {{ ref('int_enrollment_participants') }}

),

new_calls as (

    select * from {{ ref('int_enrollment_new_calls') }}

),

latest as (

    select * from {{ ref('int_eligibility_latest') }}

),

basis as (

    select * from {{ ref('int_budget_basis') }}

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
        cast(count(*) filter (where source = 'REPLACEMENT') as integer) as replacements,
        cast(count(*) filter (where source = 'REPLACEMENT' and kpj is not null) as integer) as registered,
        cast(count(*) filter (
            where source = 'REPLACEMENT' and status = 'SELECTED_NOT_REGISTERED'
        ) as integer) as pending

    from participants

),

open_slots as (

    select
        cast(count(nik) as integer) as new_calls,
        cast(count(*) - count(nik) as integer) as unfilled_slots,
        cast(count(*) filter (where unfilled_reason = 'CAPACITY') as integer) as unfilled_capacity,
        cast(count(*) filter (where unfilled_reason = 'BUDGET') as integer) as unfilled_budget,
        cast(count(*) filter (where unfilled_reason = 'WAITING_LIST') as integer) as unfilled_waiting_list,
        cast(coalesce(sum(slot_cost_idr) filter (where nik is not null), 0) as bigint) as new_calls_cost_idr,
        (array_agg(unfilled_reason order by slot_seq) filter (where nik is null))[1] as first_unfilled_reason

    from new_calls

),

latest_budget as (

    select headroom_for_calls_idr

    from budget

    order by period desc

    limit 1

),

headroom_before as (

    -- The allocation's own figure, over the decided participants (no open slot: nothing changed).
    select
        coalesce(
            max(new_calls.headroom_for_calls_idr), max(latest_budget.headroom_for_calls_idr)
        ) as headroom_for_calls_before_idr

    from latest_budget
    full join new_calls
        on true

),

candidates as (

    select
        cast(count(*) as integer) as waitlist_count,
        cast(count(*) filter (where is_still_eligible) as integer) as eligible_waitlist_count

    from latest

),

year_end as (

    -- The last month of the year carries the projection as of the latest payment data; the
    -- last covered month, the capacity in force after every change.
    select
        projected_year_end_idr,
        headroom_idr,
        committed_idr,
        headroom_for_calls_idr,
        (
            select covered.capacity_in_force from budget as covered
            where covered.capacity_in_force is not null
            order by covered.period desc
            limit 1
        ) as capacity_in_force

    from budget

    order by period desc

    limit 1

),

final as (

    select
        parameters.capacity,
        year_end.capacity_in_force,
        statuses.selected_participants,
        statuses.active_participants,
        statuses.not_registered,
        statuses.exited,
        statuses.replacements + open_slots.unfilled_slots as free_slots,
        statuses.replacements,
        statuses.replacements as called,  -- noqa: RF04
        open_slots.new_calls,
        statuses.registered,
        statuses.pending,
        open_slots.unfilled_slots,
        open_slots.unfilled_capacity,
        open_slots.unfilled_budget,
        open_slots.unfilled_waiting_list,
        coalesce(open_slots.first_unfilled_reason, 'FREE_SLOTS') as replacement_limit,
        candidates.waitlist_count,
        candidates.eligible_waitlist_count,
        basis.latest_payment_period,
        basis.months_after_latest as remaining_months,
        parameters.monthly_premium_idr,
        parameters.monthly_premium_idr * basis.months_after_latest as cost_per_replacement_idr,
        year_end.projected_year_end_idr,
        year_end.headroom_idr,
        year_end.committed_idr,
        cast(headroom_before.headroom_for_calls_before_idr as bigint) as headroom_for_calls_before_idr,
        open_slots.new_calls_cost_idr,
        year_end.headroom_for_calls_idr as headroom_for_calls_after_idr,
        case
            when basis.months_after_latest > 0
                then
                    greatest(year_end.headroom_for_calls_idr, 0)
                    / (parameters.monthly_premium_idr * basis.months_after_latest)
            else 0
        end as budget_slots

    from parameters
    cross join statuses
    cross join open_slots
    cross join headroom_before
    cross join candidates
    cross join basis
    cross join year_end

)

select * from final
