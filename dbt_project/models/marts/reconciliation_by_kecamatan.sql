-- The monthly reconciliation per kecamatan of the person's address (enrollment's for a
-- participant, the latest Dukcapil snapshot's for anyone else; UNKNOWN when unknown or
-- outside Kota Bekasi) and category, with the names to read: every kecamatan and category
-- of every month with payment data, zero when nobody. No small group (marts.md): a category
-- of fewer than bi_min_group_size people in a kecamatan shows no numbers (is_suppressed);
-- and wherever that would leave one hidden cell in a month's category, whose city total
-- marts.reconciliation_summary publishes, the smallest other kecamatan is hidden with it, so
-- no hidden cell can be worked out by subtraction.
{%- set columns = [
    'period', 'kode_kecamatan', 'nama_kecamatan', 'category', 'category_precedence',
    'category_label', 'persons', 'expected_idr', 'paid_idr', 'difference_idr',
] %}
with

reconciliation as (

    select * from {{ ref('int_reconciliation_enriched') }}

),

summary as (

    select * from {{ ref('reconciliation_summary') }}

),

wilayah as (

    select * from {{ ref('wilayah_kota_bekasi') }}

),

vocabulary as (

    select * from {{ ref('int_vocabulary') }}

),

kecamatan as (

    select distinct
        kode_kecamatan,
        nama_kecamatan

    from wilayah

    union all

    select
        'UNKNOWN' as kode_kecamatan,
        area.label as nama_kecamatan

    from vocabulary as area

    where area.domain = 'area' and area.code = 'UNKNOWN'

),

counted as (

    select
        period,
        coalesce(kode_kecamatan, 'UNKNOWN') as kode_kecamatan,
        category,
        cast(count(*) as integer) as persons,
        cast(sum(expected_idr) as bigint) as expected_idr,
        cast(sum(paid_idr) as bigint) as paid_idr,
        cast(sum(difference_idr) as bigint) as difference_idr

    from reconciliation

    group by period, coalesce(kode_kecamatan, 'UNKNOWN'), category

),

grid as (

    select
        summary.period,
        kecamatan.kode_kecamatan,
        kecamatan.nama_kecamatan,
        summary.category,
        summary.category_precedence,
        summary.category_label,
        coalesce(counted.persons, 0) as persons,
        coalesce(counted.expected_idr, 0) as expected_idr,
        coalesce(counted.paid_idr, 0) as paid_idr,
        coalesce(counted.difference_idr, 0) as difference_idr,
        {{ is_small_group('coalesce(counted.persons, 0)') }} as is_hidden

    from summary
    cross join kecamatan
    left join counted
        on
            summary.period = counted.period
            and summary.category = counted.category
            and kecamatan.kode_kecamatan = counted.kode_kecamatan

),

by_category as (

    {{ hide_lonely_cells('grid', columns, 'period, category', 'persons, kode_kecamatan') }}

),

final as (

    select
        period,
        kode_kecamatan,
        nama_kecamatan,
        category,
        category_precedence,
        category_label,
        category <> 'MATCHED' as is_exception,
        is_hidden as is_suppressed,
        case when not is_hidden then persons end as persons,
        case when not is_hidden then expected_idr end as expected_idr,
        case when not is_hidden then paid_idr end as paid_idr,
        case when not is_hidden then difference_idr end as difference_idr,
        -- for dashboards that show the latest month (Superset's filters allow no sub-query)
        period = max(period) over () as is_latest_period

    from by_category

)

select * from final
