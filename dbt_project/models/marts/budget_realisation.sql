-- marts.budget_monthly as the dashboards draw it: each month of the programme year is either
-- a realisation (it has payment data) or a projection (after the latest month with payment
-- data), in separate columns so a chart draws them as separate series, with the month kind's
-- vocabulary label. The projection continues the cumulative realisation from the latest
-- month with data at the monthly premium of the participants active then (program-rules.md
-- section 6), so the two lines meet at that month. No personal data.
with

budget as (

    select * from {{ ref('budget_monthly') }}

),

vocabulary as (

    select * from {{ ref('int_vocabulary') }}

),

basis as (

    select
        period as basis_period,
        month_number as basis_month_number,
        active_participants as basis_active,
        cumulative_paid_idr as basis_cumulative_paid_idr

    from budget

    where period = (
        select max(latest.period) as latest_period
        from budget as latest
        where latest.has_payment_data
    )

),

classified as (

    select
        budget.*,
        basis.basis_period,
        case
            when basis.basis_period is null or budget.period > basis.basis_period then 'PROJECTION'
            else 'ACTUAL'
        end as month_kind,
        basis.basis_cumulative_paid_idr
        + budget.monthly_premium_idr * basis.basis_active * (budget.month_number - basis.basis_month_number)
            as projected_cumulative_idr

    from budget
    left join basis
        on true

),

final as (

    select
        classified.period,
        {{ month_label('classified.period') }} as month_label,
        {{ month_order('classified.period') }} as month_order,
        classified.month_kind,
        kind.label as month_kind_label,
        classified.month_kind = 'PROJECTION' as is_projection,
        classified.period = classified.basis_period as is_latest_actual,
        classified.active_participants,
        case when classified.month_kind = 'ACTUAL' then classified.active_participants end
            as active_actual,
        case when classified.month_kind = 'PROJECTION' then classified.active_participants end
            as active_projected,
        classified.expected_idr,
        case when classified.month_kind = 'ACTUAL' then classified.paid_idr end as paid_actual_idr,
        case when classified.month_kind = 'ACTUAL' then classified.cumulative_paid_idr end
            as cumulative_paid_actual_idr,
        case when classified.period >= classified.basis_period then classified.projected_cumulative_idr end
            as cumulative_paid_projected_idr,
        classified.cumulative_expected_idr,
        classified.budget_idr,
        classified.projected_year_end_idr,
        classified.headroom_idr

    from classified
    inner join vocabulary as kind
        on kind.domain = 'month_kind' and classified.month_kind = kind.code

)

select * from final
