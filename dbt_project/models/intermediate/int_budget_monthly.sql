-- The budget of program-rules.md section 6, per month of program_year (January to
-- December, whatever the coverage window): who is active and what they should cost, what
-- BPJS lines were paid (net of refunds; a payment for a month outside coverage counts too),
-- the running total against the budget, and the year-end projection as of the latest month
-- with payment data on or before the row's month (the projected_months macro, the one
-- definition). committed_idr: the premiums of slots held after that basis that the projection
-- does not count (participants not yet registered, slots that start later): what the
-- replacement calls must leave room for. Next to them, the quota of section 5: the capacity in
-- force in the month and the participants holding a slot.
with

calendar as (

    select * from {{ ref('int_program_calendar') }}

),

parameters as (

    select * from {{ ref('int_program_parameters') }}

),

enrollment_months as (

    select * from {{ ref('int_enrollment_months') }}

),

capacity_changes as (

    select * from {{ ref('int_capacity_changes') }}

),

files as (

    select * from {{ ref('int_payments_files') }}

),

payments as (

    select * from {{ ref('int_payments_by_person') }}

),

held as (

    select
        period,
        cast(count(*) filter (where is_active) as integer) as active_participants,
        cast(sum(expected_idr) as bigint) as expected_idr,
        cast(count(*) as integer) as slot_holders,
        cast(count(*) filter (where is_new_call) as integer) as new_call_holders

    from enrollment_months

    group by period

),

paid as (

    select
        period,
        cast(sum(paid_idr) as bigint) as paid_idr

    from payments

    group by period

),

monthly as (

    select
        calendar.period,
        calendar.month_number,
        calendar.months_after,
        calendar.is_covered,
        coalesce(held.active_participants, 0) as active_participants,
        coalesce(held.expected_idr, 0) as expected_idr,
        coalesce(held.slot_holders, 0) as slot_holders,
        coalesce(held.new_call_holders, 0) as new_call_holders,
        files.period is not null as has_payment_data,
        coalesce(paid.paid_idr, 0) as paid_idr

    from calendar
    left join held
        on calendar.period = held.period
    left join files
        on calendar.period = files.period
    left join paid
        on calendar.period = paid.period

    where calendar.is_program_year

),

running as (

    select
        *,
        cast(sum(paid_idr) over to_date as bigint) as cumulative_paid_idr,
        cast(sum(expected_idr) over to_date as bigint) as cumulative_expected_idr,
        max(period) filter (where has_payment_data) over to_date as projection_basis_period

    from monthly

    window to_date as (order by period rows between unbounded preceding and current row)

),

projected as (

    select
        running.*,
        parameters.budget_idr,
        coalesce(basis.cumulative_paid_idr, 0)
        + parameters.monthly_premium_idr
        * {{ projected_months('enrollment_months', 'calendar', 'running.projection_basis_period') }}
            as projected_year_end_idr,
        parameters.monthly_premium_idr
        * {{ committed_months('enrollment_months', 'running.projection_basis_period') }} as committed_idr,
        -- What BPJS was paid beyond the expected premiums up to the basis: not a decision of the
        -- programme (overpayments, duplicates, non-participants, after death), named when it overruns.
        greatest(coalesce(basis.cumulative_paid_idr - basis.cumulative_expected_idr, 0), 0)
            as paid_beyond_expected_idr,
        (
            select capacity_changes.capacity from capacity_changes
            where capacity_changes.effective_month <= running.period
            order by capacity_changes.change_no desc
            limit 1
        ) as capacity_in_force,
        coalesce((
            select capacity_changes.is_new from capacity_changes
            where capacity_changes.effective_month <= running.period
            order by capacity_changes.change_no desc
            limit 1
        ), false) as is_new_capacity

    from running
    cross join parameters
    left join running as basis
        on running.projection_basis_period = basis.period

),

final as (

    select
        period,
        active_participants,
        expected_idr,
        paid_idr,
        cumulative_paid_idr,
        budget_idr - cumulative_paid_idr as budget_remaining_idr,
        cast(projected_year_end_idr as bigint) as projected_year_end_idr,
        cast(budget_idr - projected_year_end_idr as bigint) as headroom_idr,
        cast(committed_idr as bigint) as committed_idr,
        cast(paid_beyond_expected_idr as bigint) as paid_beyond_expected_idr,
        cast(budget_idr - projected_year_end_idr - committed_idr as bigint) as headroom_for_calls_idr,
        month_number,
        months_after,
        is_covered,
        has_payment_data,
        projection_basis_period,
        paid_idr - expected_idr as difference_idr,
        cumulative_expected_idr,
        budget_idr,
        case when is_covered then capacity_in_force end as capacity_in_force,
        is_covered and is_new_capacity as is_new_capacity,
        slot_holders,
        new_call_holders

    from projected

)

select * from final
