-- The replacement calls this run adds to the ledger (program-rules.md section 5), one row per
-- slot not yet filled: who is called for it, or why nobody is (unfilled_reason).
-- Slots: one per exited participant (selected or called, registered or not), from the month
-- after the exit; one per place a capacity rise opened, from the month it takes effect. The
-- ledger's calls already fill theirs. Open slots are filled in the order they were freed
-- (freed_month, then the exited person's priority_rank), each by the first waitlisted person
-- not yet called who is still eligible by the latest snapshots (int_eligibility_latest: any
-- recorded death excludes). A person who is not eligible is skipped for that slot and keeps
-- their rank (int_enrollment_new_skips): they are examined again for every later slot.
-- Within one run the latest snapshots are the same for every slot, and a person just called is
-- alive, so the k-th open slot goes to the k-th callable person in waiting-list order.
-- Limits, each cutting the list of open slots where it is reached:
--   CAPACITY: in no month may the slot holders exceed the capacity then in force;
--   BUDGET: a slot costs the premiums of its covered months after the latest payment data, and
--     the calls in slot order must fit the headroom left for calls (budget - projection -
--     premiums committed to the participants already decided, macros projected_months and
--     committed_months): the first slot that does not fit stops the calls;
--   WAITING_LIST: nobody callable is left.
with

decided as (

    select * from {{ ref('int_enrollment_decided') }}

),

decided_months as (

    select * from {{ ref('int_enrollment_decided_months') }}

),

latest as (

    select * from {{ ref('int_eligibility_latest') }}

),

capacity_changes as (

    select * from {{ ref('int_capacity_changes') }}

),

calendar as (

    select * from {{ ref('int_program_calendar') }}

),

basis as (

    select * from {{ ref('int_budget_basis') }}

),

parameters as (

    select * from {{ ref('int_program_parameters') }}

),

slots as (

    select
        'EXIT:' || decided.nik as slot_key,
        'EXIT' as slot_source,
        decided.nik as frees_nik,
        decided.exit_month as freed_month,
        decided.priority_rank as freed_rank,
        greatest(cast(decided.exit_month + interval '1 month' as date), parameters.coverage_start_month)
            as slot_start_month

    from decided
    cross join parameters

    where decided.exit_month is not null

    union all

    select
        'CAPACITY:' || capacity_changes.change_no || ':' || series.place as slot_key,
        'CAPACITY' as slot_source,
        null as frees_nik,
        cast(capacity_changes.effective_month - interval '1 month' as date) as freed_month,
        capacity_changes.previous_capacity + series.place as freed_rank,
        capacity_changes.effective_month as slot_start_month

    from capacity_changes
    cross join
        generate_series(1, capacity_changes.capacity - capacity_changes.previous_capacity) as series (place)

    where capacity_changes.capacity > capacity_changes.previous_capacity

),

payable_months as (

    -- The covered months after the latest payment data: what a slot filled now still costs.
    select calendar.period

    from calendar
    cross join basis

    where
        calendar.is_covered
        and (basis.latest_payment_period is null or calendar.period > basis.latest_payment_period)

),

months_to_pay as (

    -- Per month: the payable months from it on, what a slot starting then still costs.
    select
        calendar.period,
        count(payable_months.period) as payable_months

    from calendar
    left join payable_months
        on calendar.period <= payable_months.period

    group by calendar.period

),

open_slots as (

    select
        slots.*,
        parameters.monthly_premium_idr * coalesce(months_to_pay.payable_months, 0) as slot_cost_idr

    from slots
    cross join parameters
    left join months_to_pay
        on slots.slot_start_month = months_to_pay.period
    left join decided
        on slots.slot_key = decided.slot_key

    where
        slots.slot_start_month <= parameters.coverage_end_month
        and decided.slot_key is null

),

ordered as (

    select
        *,
        row_number() over slot_order as slot_seq,
        sum(slot_cost_idr) over slot_order as cumulative_cost_idr

    from open_slots

    window slot_order as (
        order by freed_month, freed_rank, slot_key collate "C"
        rows between unbounded preceding and current row
    )

),

callable as (

    select
        latest.nik,
        latest.waitlist_rank,
        latest.priority_rank,
        row_number() over (order by latest.waitlist_rank) as candidate_seq

    from latest
    left join decided
        on latest.nik = decided.nik

    where
        latest.is_still_eligible
        and decided.nik is null

),

headroom as (

    select
        basis.budget_idr
        - basis.paid_to_date_idr
        - basis.monthly_premium_idr * (
            {{ projected_months('decided_months', 'calendar', 'basis.latest_payment_period') }}
            + {{ committed_months('decided_months', 'basis.latest_payment_period') }}
        ) as headroom_for_calls_idr

    from basis

),

capacity_by_month as (

    -- The capacity in force in each covered month: the latest change effective by then.
    select distinct on (calendar.period)
        calendar.period,
        capacity_changes.capacity

    from calendar
    inner join capacity_changes
        on calendar.period >= capacity_changes.effective_month

    where calendar.is_covered

    order by calendar.period asc, capacity_changes.change_no desc

),

holders_by_month as (

    select
        period,
        count(*) as holders

    from decided_months

    group by period

),

started_by_month as (

    select
        calendar.period,
        count(ordered.slot_key) as open_started

    from calendar
    left join ordered
        on calendar.period >= ordered.slot_start_month

    where calendar.is_covered

    group by calendar.period

),

seats as (

    -- Per covered month: the places the capacity leaves free beside the decided participants,
    -- and the open slots started by then.
    select
        capacity_by_month.period,
        capacity_by_month.capacity - coalesce(holders_by_month.holders, 0) as free_seats,
        started_by_month.open_started

    from capacity_by_month
    inner join started_by_month
        on capacity_by_month.period = started_by_month.period
    left join holders_by_month
        on capacity_by_month.period = holders_by_month.period

),

capacity_limit as (

    select min(greatest(free_seats, 0)) as slots

    from seats

    where open_started > free_seats

),

budget_limit as (

    select count(*) as slots

    from ordered
    cross join headroom

    where ordered.cumulative_cost_idr <= headroom.headroom_for_calls_idr

),

open_count as (

    select count(*) as slots

    from ordered

),

last_call as (

    select coalesce(max(call_order), 0) as call_order

    from decided

),

limits as (

    select
        coalesce(capacity_limit.slots, open_count.slots) as capacity_limit,
        budget_limit.slots as budget_limit,
        headroom.headroom_for_calls_idr,
        last_call.call_order as last_call_order

    from headroom
    cross join capacity_limit
    cross join budget_limit
    cross join open_count
    cross join last_call

),

allocated as (

    select
        ordered.*,
        limits.headroom_for_calls_idr,
        callable.nik,
        callable.waitlist_rank,
        callable.priority_rank,
        case when callable.nik is not null then limits.last_call_order + ordered.slot_seq end as call_order,
        case
            when ordered.slot_seq > limits.capacity_limit then 'CAPACITY'
            when ordered.slot_seq > limits.budget_limit then 'BUDGET'
            when callable.nik is null then 'WAITING_LIST'
        end as unfilled_reason

    from ordered
    cross join limits
    left join callable
        on
            ordered.slot_seq = callable.candidate_seq
            and ordered.slot_seq <= least(limits.capacity_limit, limits.budget_limit)

),

final as (

    select
        cast(slot_seq as integer) as slot_seq,
        slot_key,
        slot_source,
        frees_nik,
        freed_month,
        cast(freed_rank as integer) as freed_rank,
        slot_start_month,
        cast(slot_cost_idr as bigint) as slot_cost_idr,
        cast(call_order as integer) as call_order,
        nik,
        waitlist_rank,
        priority_rank,
        cast(
            case when nik is not null then headroom_for_calls_idr - cumulative_cost_idr + slot_cost_idr end
            as bigint
        ) as headroom_before_idr,
        cast(case when nik is not null then headroom_for_calls_idr - cumulative_cost_idr end as bigint)
            as headroom_after_idr,
        unfilled_reason,
        cast(headroom_for_calls_idr as bigint) as headroom_for_calls_idr

    from allocated

)

select * from final
