-- The budget headroom the replacements are called against (program-rules.md sections 5
-- and 6), one row: the section 6 projection before any replacement, i.e. with the selected
-- participants only (no circularity: the replacements depend on it, not it on them).
-- projection = net paid in program_year + monthly premium x selected participants active in
-- the latest month with payment data x the covered months after it; before any payment
-- data, the expected premium of the selected participants' covered months.
-- The allocation then charges each call, in call order, the monthly premium for the months
-- of its slot after that latest month (earlier months are already in what was paid).
with

selected as (

    select * from {{ ref('int_enrollment_selected') }}

),

covered_months as (

    select * from {{ ref('int_program_months') }}

),

year_months as (

    select * from {{ ref('int_program_year_months') }}

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

selected_months as (

    select
        covered_months.period,
        cast(count(*) as integer) as active_selected

    from selected
    inner join covered_months
        on {{ participant_months('selected', 'covered_months') }}

    group by covered_months.period

),

basis as (

    select max(files.period) as latest_payment_period

    from files
    inner join year_months
        on files.period = year_months.period

),

paid as (

    select coalesce(sum(payments.paid_idr), 0) as paid_idr

    from payments
    inner join year_months
        on payments.period = year_months.period

),

plan as (

    select coalesce(sum(active_selected), 0) as selected_months

    from selected_months

),

projection as (

    select
        basis.latest_payment_period,
        year_months.months_after as remaining_months,
        coalesce(selected_months.active_selected, 0) as active_selected_at_latest_payment,
        cast(case
            when basis.latest_payment_period is null
                then parameters.monthly_premium_idr * plan.selected_months
            else
                paid.paid_idr
                + parameters.monthly_premium_idr
                * coalesce(selected_months.active_selected, 0)
                * year_months.months_after
        end as bigint) as projected_before_replacements_idr,
        parameters.budget_idr,
        parameters.monthly_premium_idr,
        parameters.months_covered

    from basis
    cross join paid
    cross join plan
    cross join parameters
    left join year_months
        on basis.latest_payment_period = year_months.period
    left join selected_months
        on basis.latest_payment_period = selected_months.period

),

final as (

    select
        latest_payment_period,
        coalesce(remaining_months, months_covered) as remaining_months,
        active_selected_at_latest_payment,
        projected_before_replacements_idr,
        budget_idr - projected_before_replacements_idr as headroom_before_replacements_idr,
        monthly_premium_idr

    from projection

)

select * from final
