{{ config(severity='error') }}

-- marts.reconciliation_summary is ops.reconciliation counted: per period, the persons and
-- rupiah of the eight categories add up to the reconciliation rows, and every period with
-- a payment file has all eight categories.
with

summary as (

    select
        period,
        count(*) as categories,
        sum(persons) as persons,
        sum(expected_idr) as expected_idr,
        sum(paid_idr) as paid_idr

    from {{ ref('reconciliation_summary') }}

    group by period

),

reconciliation as (

    select
        period,
        count(*) as persons,
        sum(expected_idr) as expected_idr,
        sum(paid_idr) as paid_idr

    from {{ ref('reconciliation') }}

    group by period

),

category_count as (

    select count(*) as categories

    from {{ ref('reconciliation_categories') }}

)

select
    summary.period,
    summary.persons as summary_persons,
    reconciliation.persons as reconciliation_persons

from summary
cross join category_count
left join reconciliation
    on summary.period = reconciliation.period

where
    summary.categories <> category_count.categories
    or summary.persons <> coalesce(reconciliation.persons, 0)
    or summary.expected_idr <> coalesce(reconciliation.expected_idr, 0)
    or summary.paid_idr <> coalesce(reconciliation.paid_idr, 0)
