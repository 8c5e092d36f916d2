-- The monthly reconciliation counted (marts.md contract): one row per period with payment
-- data and category, all eight categories every period (zero when none), in precedence
-- order. No NIK: persons and rupiah only.
with

reconciliation as (

    select * from {{ ref('int_reconciliation_categorised') }}

),

files as (

    select * from {{ ref('int_payments_files') }}

),

categories as (

    select * from {{ ref('reconciliation_categories') }}

),

vocabulary as (

    select * from {{ ref('int_vocabulary') }}

),

counted as (

    select
        period,
        category,
        cast(count(*) as integer) as persons,
        cast(sum(expected_idr) as bigint) as expected_idr,
        cast(sum(paid_idr) as bigint) as paid_idr,
        cast(sum(difference_idr) as bigint) as difference_idr,
        cast(sum(payment_lines) as integer) as payment_lines,
        cast(sum(refunded_idr) as bigint) as refunded_idr

    from reconciliation

    group by period, category

),

final as (

    select
        ---------- contract (marts.md)
        files.period,
        categories.category,
        coalesce(counted.persons, 0) as persons,
        coalesce(counted.expected_idr, 0) as expected_idr,
        coalesce(counted.paid_idr, 0) as paid_idr,
        coalesce(counted.difference_idr, 0) as difference_idr,

        ---------- more
        {{ month_label('files.period') }} as month_label,
        {{ month_order('files.period') }} as month_order,
        categories.precedence as category_precedence,
        vocabulary.label as category_label,
        vocabulary.meaning as category_meaning,
        vocabulary.action as category_action,
        categories.category <> 'MATCHED' as is_exception,
        coalesce(counted.payment_lines, 0) as payment_lines,
        coalesce(counted.refunded_idr, 0) as refunded_idr

    from files
    cross join categories
    inner join vocabulary
        on vocabulary.domain = 'reconciliation_category' and categories.category = vocabulary.code
    left join counted
        on
            files.period = counted.period
            and categories.category = counted.category

)

select * from final
