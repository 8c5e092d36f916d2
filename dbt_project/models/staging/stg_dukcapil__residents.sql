with

source as (

    {{ current_rows('dukcapil') }}

),

renamed as (

    select

        ---------- load
        batch_id,
        line_no,
        snapshot_date,

        ---------- ids
        meta.normalize_id(nik) as nik,
        meta.normalize_id(no_kk) as no_kk,

        ---------- person
        meta.normalize_text(nama_lengkap) as nama_lengkap,
        meta.normalize_label(jenis_kelamin) as jenis_kelamin,
        meta.normalize_text(tempat_lahir) as tempat_lahir,
        meta.parse_date_ymd(tanggal_lahir) as tanggal_lahir,
        meta.normalize_label(status_kawin) as status_kawin,
        meta.normalize_label(jenis_pekerjaan) as jenis_pekerjaan,

        ---------- current address
        meta.normalize_id(kode_wilayah) as kode_wilayah,
        meta.normalize_text(alamat) as alamat,
        meta.normalize_text(rt) as rt,
        meta.normalize_text(rw) as rw,

        ---------- life status
        meta.normalize_label(status_hidup) as status_hidup,
        meta.parse_date_ymd(tanggal_kematian) as tanggal_kematian,
        meta.parse_date_ymd(tanggal_update) as tanggal_update

    from source

)

select * from renamed
