-- What the budget stands on today (program-rules.md section 6), one row: the latest month of
-- program_year with payment data (the projection's basis, and the month a decision made now
-- is "made" in: a capacity change takes effect from the month after it), what BPJS was paid
-- for the year so far, net of refunds, and the covered months still to pay for.
with

calendar as (

    select * from {{ ref('int_program_calendar') }}

),

files as (

    select * from {{ ref('int_payments_files') }}

),

payments as (

    select * from {{ ref('int_payments_by_person') }}

),

parameters as (

    select * from {{ ref('int_program_parameters') }}

),

latest as (

    select max(files.period) as latest_payment_period

    from files
    inner join calendar
        on files.period = calendar.period and calendar.is_program_year

),

paid as (

    select coalesce(sum(payments.paid_idr), 0) as paid_to_date_idr

    from payments
    inner join calendar
        on payments.period = calendar.period and calendar.is_program_year

),

final as (

    select
        latest.latest_payment_period,
        cast(paid.paid_to_date_idr as bigint) as paid_to_date_idr,
        coalesce(calendar.months_after, parameters.months_covered) as months_after_latest,
        -- The first month a decision made now can change: the month after the latest payment data.
        greatest(
            coalesce(
                cast(latest.latest_payment_period + interval '1 month' as date),
                parameters.coverage_start_month
            ),
            parameters.coverage_start_month
        ) as decision_month,
        parameters.budget_idr,
        parameters.monthly_premium_idr

    from latest
    cross join paid
    cross join parameters
    left join calendar
        on latest.latest_payment_period = calendar.period

)

select * from final
