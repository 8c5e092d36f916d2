-- Maps and trends: per month, kecamatan and informal-work category, how many people were
-- expected to be paid or were paid, the rupiah, and how many fell in each exception.
-- Kecamatan and category come from the eligibility decision (the Dukcapil address on the
-- selection date); people paid without being candidates have neither.
with

reconciliation as (

    select * from {{ ref('reconciliation') }}

),

eligibility as (

    select * from {{ ref('eligibility') }}

),

wilayah as (

    select * from {{ ref('wilayah_kota_bekasi') }}

),

final as (

    select
        reconciliation.period,
        wilayah.kode_kecamatan,
        wilayah.nama_kecamatan,
        eligibility.kategori_informal,
        count(*) as persons,
        count(*) filter (where reconciliation.expected_idr > 0) as persons_expected,
        count(*) filter (where reconciliation.category = 'MATCHED') as persons_matched,
        count(*) filter (where reconciliation.category = 'UNPAID') as persons_unpaid,
        count(*) filter (where reconciliation.category = 'LATE') as persons_late,
        count(*) filter (
            where reconciliation.category not in ('MATCHED', 'UNPAID', 'LATE')
        ) as persons_other_exceptions,
        sum(reconciliation.expected_idr) as expected_idr,
        sum(reconciliation.paid_idr) as paid_idr,
        sum(reconciliation.difference_idr) as difference_idr

    from reconciliation
    left join eligibility
        on reconciliation.nik = eligibility.nik
    left join wilayah
        on eligibility.kode_kelurahan = wilayah.kode_kelurahan

    group by
        reconciliation.period,
        wilayah.kode_kecamatan,
        wilayah.nama_kecamatan,
        eligibility.kategori_informal

)

select * from final
