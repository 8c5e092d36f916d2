-- One row per candidate NIK. A NIK on several DTSEN rows (known defect) takes the row
-- the dtsen_preferred_row_order macro puts first (lowest desil, then lowest id_keluarga
-- byte by byte).
with

individuals as (

    select * from {{ ref('int_dtsen_individuals_at_selection') }}

),

ordered as (

    select
        individuals.*,
        row_number() over (
            partition by individuals.nik
            order by {{ dtsen_preferred_row_order('individuals') }}
        ) as nik_row_order

    from individuals

),

candidates as (

    select
        batch_id,
        line_no,
        snapshot_date,
        nik,
        id_keluarga,
        no_kk,
        kode_wilayah,
        nama,
        hubungan_keluarga,
        jenis_kelamin,
        tanggal_lahir,
        desil,
        pekerjaan_utama,
        pekerjaan_label,
        household_size,
        nik_rows

    from ordered

    where nik_row_order = 1

)

select * from candidates
