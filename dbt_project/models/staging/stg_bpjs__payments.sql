with

source as (

    {{ current_rows('bpjs_iuran') }}

),

renamed as (

    select

        ---------- load
        batch_id,
        line_no,
        snapshot_date,

        ---------- ids
        meta.normalize_text(kode_iuran) as kode_iuran,
        meta.normalize_id(nik) as nik,
        meta.normalize_text(kpj) as kpj,
        meta.normalize_text(no_referensi) as no_referensi,

        ---------- period: the loader checked periode = the file's period
        snapshot_date as period,
        meta.normalize_text(periode) as periode,

        ---------- person
        meta.normalize_text(nama) as nama,

        ---------- amounts (whole rupiah)
        meta.parse_integer(penghasilan) as penghasilan_idr,
        meta.parse_integer(iuran_jkk) as iuran_jkk_idr,
        meta.parse_integer(iuran_jkm) as iuran_jkm_idr,
        meta.parse_integer(total_iuran) as total_iuran_idr,

        ---------- payment
        meta.normalize_label(jenis_transaksi) as jenis_transaksi,
        meta.parse_date_ymd(tgl_bayar) as tgl_bayar

    from source

),

refunds as (

    -- A line without jenis_transaksi is a payment.
    select
        *,
        coalesce(jenis_transaksi = 'RESTITUSI', false) as is_refund

    from renamed

),

signed as (

    -- The one home of a line's sign (program-rules.md section 7): a refund counts negative.
    -- Every reader that nets payments and refunds sums signed_iuran_idr.
    select
        *,
        case when is_refund then -total_iuran_idr else total_iuran_idr end as signed_iuran_idr

    from refunds

)

select * from signed
