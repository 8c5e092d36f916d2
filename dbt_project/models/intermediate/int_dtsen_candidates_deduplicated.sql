-- One row per candidate NIK. A NIK on several DTSEN rows (known defect) takes the row
-- with the lowest desil (an empty desil sorts last), then the lowest id_keluarga; the
-- line number only makes a fully identical pair deterministic.
with

individuals as (

    select * from {{ ref('int_dtsen_individuals_at_selection') }}

),

ordered as (

    select
        *,
        row_number() over (
            partition by nik
            order by desil asc nulls last, id_keluarga asc, line_no asc
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
