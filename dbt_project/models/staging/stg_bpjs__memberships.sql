with

source as (

    {{ current_rows('bpjs_kepesertaan') }}

),

renamed as (

    select

        ---------- load
        batch_id,
        line_no,
        snapshot_date,

        ---------- ids
        meta.normalize_id(nik) as nik,
        meta.normalize_text(kpj) as kpj,

        ---------- membership
        meta.normalize_text(nama) as nama,
        meta.normalize_label(segmen) as segmen,
        meta.normalize_label(sumber_iuran) as sumber_iuran,
        meta.normalize_label(status_kepesertaan) as status_kepesertaan,
        meta.parse_date_ymd(tgl_kepesertaan) as tgl_kepesertaan,
        meta.parse_date_ymd(tgl_nonaktif) as tgl_nonaktif

    from source

)

select * from renamed
