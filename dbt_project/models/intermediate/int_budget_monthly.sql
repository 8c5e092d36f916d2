-- The budget of program-rules.md section 6, per month of program_year (January to
-- December, whatever the coverage window): who is active and what they should cost, what
-- BPJS lines were paid (net of refunds; a payment for a month outside coverage counts too),
-- the running total against the budget, and the year-end projection as of the latest month
-- with payment data on or before the row's month: cumulative paid + monthly premium x the
-- participants active in that month x the covered months after it.
with

months as (

    select * from {{ ref('int_program_year_months') }}

),

parameters as (

    select * from {{ ref('int_program_parameters') }}

),

enrollment_months as (

    select * from {{ ref('int_enrollment_months') }}

),

files as (

    select * from {{ ref('int_payments_files') }}

),

payments as (

    select * from {{ ref('int_payments_by_person') }}

),

active as (

    select
        period,
        cast(count(*) as integer) as active_participants,
        cast(sum(expected_idr) as bigint) as expected_idr

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
        months.period,
        months.month_number,
        months.months_after,
        months.is_covered,
        coalesce(active.active_participants, 0) as active_participants,
        coalesce(active.expected_idr, 0) as expected_idr,
        files.period is not null as has_payment_data,
        coalesce(paid.paid_idr, 0) as paid_idr

    from months
    left join active
        on months.period = active.period
    left join files
        on months.period = files.period
    left join paid
        on months.period = paid.period

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

year_plan as (

    -- Before any payment data the projection is what the known enrollment should cost.
    select cast(sum(expected_idr) as bigint) as expected_year_idr

    from monthly

),

projected as (

    select
        running.*,
        parameters.budget_idr,
        coalesce(
            basis.cumulative_paid_idr
            + parameters.monthly_premium_idr * basis.active_participants * basis.months_after,
            year_plan.expected_year_idr
        ) as projected_year_end_idr

    from running
    cross join parameters
    cross join year_plan
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
        projected_year_end_idr,
        budget_idr - projected_year_end_idr as headroom_idr,
        month_number,
        months_after,
        is_covered,
        has_payment_data,
        projection_basis_period,
        paid_idr - expected_idr as difference_idr,
        cumulative_expected_idr,
        budget_idr

    from projected

)

select * from final
