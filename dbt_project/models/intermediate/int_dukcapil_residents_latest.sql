{{ config(indexes=[{'columns': ['nik'], 'unique': true}]) }}

-- The latest civil-registry snapshot (whatever its date): the deaths that end enrollment
-- and make a payment PAID_AFTER_DEATH, the current address of the lists, and the re-check
-- of the waiting list. One row per NIK, with the kelurahan and kecamatan names. A table
-- (few columns), not a view: five models join to it, and it is a city-sized snapshot.
with

residents as (

    select * from {{ ref('stg_dukcapil__residents') }}

    where batch_id = {{ latest_batch('dukcapil') }}

),

wilayah as (

    select * from {{ ref('wilayah_kota_bekasi') }}

),

final as (

    select
        residents.nik,
        residents.nama_lengkap,
        residents.tanggal_lahir,
        residents.status_hidup,
        residents.tanggal_kematian,
        residents.kode_wilayah,
        residents.kode_wilayah as kode_kelurahan,
        left(residents.kode_wilayah, 4) as kode_kota,
        residents.jenis_kelamin,
        wilayah.nama_kelurahan,
        wilayah.kode_kecamatan,
        wilayah.nama_kecamatan,
        residents.batch_id,
        residents.snapshot_date

    from residents
    left join wilayah
        on residents.kode_wilayah = wilayah.kode_kelurahan

)

select * from final
