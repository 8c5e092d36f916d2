{{ config(indexes=[{'columns': ['nik'], 'unique': true}]) }}

-- Each candidate as the latest Dukcapil snapshot records them, for `rentan explain`: alive or
-- dead, since when, and where; one row per candidate, found there or not. Kept apart
-- from ops.person_case, which is fixed at selection, so that a month's new snapshot rebuilds
-- these few columns and not the whole case of every candidate.
with

ranked as (

    select nik from {{ ref('int_eligibility_ranked') }}

),

residents_latest as (

    select * from {{ ref('int_dukcapil_residents_latest') }}

),

final as (

    select
        ranked.nik,
        residents_latest.nik is not null as is_in_latest_dukcapil,
        residents_latest.snapshot_date as latest_dukcapil_snapshot_date,
        residents_latest.status_hidup as latest_status_hidup,
        residents_latest.tanggal_kematian as latest_tanggal_kematian,
        residents_latest.kode_kelurahan as latest_kode_kelurahan,
        residents_latest.nama_kelurahan as latest_nama_kelurahan

    from ranked
    left join residents_latest
        on ranked.nik = residents_latest.nik

)

select * from final
