{{ config(severity='error') }}

-- One rupiah, three views: each month's paid_idr in marts.budget_monthly equals the net of
-- the reconciliation rows of the month and the net of the month's payment file lines.
with

budget as (

    select * from {{ ref('budget_monthly') }}

),

reconciliation as (

    select
        period,
        sum(paid_idr) as paid_idr

    from {{ ref('reconciliation') }}

    group by period

),

control_totals as (

    select
        period,
        sum(net_paid_idr) as paid_idr

    from {{ ref('payment_control_totals') }}

    group by period

)

select
    budget.period,
    budget.paid_idr as budget_paid_idr,
    reconciliation.paid_idr as reconciliation_paid_idr,
    control_totals.paid_idr as file_paid_idr

from budget
left join reconciliation
    on budget.period = reconciliation.period
left join control_totals
    on budget.period = control_totals.period

where
    budget.paid_idr <> coalesce(reconciliation.paid_idr, 0)
    or budget.paid_idr <> coalesce(control_totals.paid_idr, 0)
