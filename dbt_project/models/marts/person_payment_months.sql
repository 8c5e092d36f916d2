-- Payment status by person and month for dashboards: ops.reconciliation without the NIK,
-- KPJ or name, keyed by person_key (join marts.person_status on it).
with

reconciliation as (

    select * from {{ ref('reconciliation') }}

),

pseudonym_key as (

    select * from {{ ref('stg_secret__pseudonym_key') }}

),

final as (

    select
        {{ person_key('reconciliation.nik') }} as person_key,
        reconciliation.period,
        reconciliation.category,
        reconciliation.expected_idr,
        reconciliation.paid_idr,
        reconciliation.difference_idr,
        reconciliation.payment_lines

    from reconciliation
    cross join pseudonym_key

)

select * from final
