-- The monthly reconciliation per kecamatan of the person's address (enrollment's for a
-- participant, the latest Dukcapil snapshot's for anyone else; null when unknown or outside
-- Kota Bekasi) and category. No NIK: persons and rupiah only.
with

reconciliation as (

    select * from {{ ref('int_reconciliation_enriched') }}

),

final as (

    select
        period,
        kode_kecamatan,
        max(nama_kecamatan) as nama_kecamatan,
        category,
        max(category_precedence) as category_precedence,
        max(category_label) as category_label,
        cast(count(*) as integer) as persons,
        cast(sum(expected_idr) as bigint) as expected_idr,
        cast(sum(paid_idr) as bigint) as paid_idr,
        cast(sum(difference_idr) as bigint) as difference_idr,
        -- for dashboards that show the latest month (Superset's filters allow no sub-query)
        period = max(period) over () as is_latest_period

    from reconciliation

    group by period, kode_kecamatan, category

)

select * from final
