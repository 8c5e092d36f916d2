with

source as (

    {{ current_rows('dtsen') }}

),

renamed as (

    select

        ---------- load
        batch_id,
        line_no,
        snapshot_date,

        ---------- ids
        meta.normalize_id(nik) as nik,
        meta.normalize_text(id_keluarga) as id_keluarga,
        meta.normalize_id(no_kk) as no_kk,
        meta.normalize_id(kode_wilayah) as kode_wilayah,

        ---------- person
        meta.normalize_text(nama) as nama,
        meta.normalize_label(hubungan_keluarga) as hubungan_keluarga,
        meta.normalize_label(jenis_kelamin) as jenis_kelamin,
        meta.parse_date_dmy(tanggal_lahir) as tanggal_lahir,

        ---------- welfare and work
        cast(meta.parse_integer(desil) as integer) as desil,
        meta.normalize_text(pekerjaan_utama) as pekerjaan_utama,
        meta.normalize_label(pekerjaan_utama) as pekerjaan_label

    from source

)

select * from renamed
