-- BPJS payment lines summed per (period, NIK) as section 7 reads them: a RESTITUSI (refund)
-- line counts negative, payment_lines counts the PEMBAYARAN lines only and the last paid
-- date is the latest PEMBAYARAN tgl_bayar. A line without jenis_transaksi is a payment.
with

payments as (

    select * from {{ ref('stg_bpjs__payments') }}

),

signed as (

    select
        period,
        nik,
        kpj,
        nama,
        kode_iuran,
        tgl_bayar,
        total_iuran_idr,
        coalesce(jenis_transaksi = 'RESTITUSI', false) as is_refund

    from payments

),

by_person as (

    select
        period,
        nik,
        cast(sum(case when is_refund then -total_iuran_idr else total_iuran_idr end) as bigint) as paid_idr,
        cast(count(*) filter (where not is_refund) as integer) as payment_lines,
        cast(count(*) filter (where is_refund) as integer) as refund_lines,
        cast(coalesce(sum(total_iuran_idr) filter (where not is_refund), 0) as bigint) as paid_gross_idr,
        cast(coalesce(sum(total_iuran_idr) filter (where is_refund), 0) as bigint) as refunded_idr,
        max(tgl_bayar) filter (where not is_refund) as last_paid_date,
        string_agg(distinct nullif(kpj, ''), ',' order by nullif(kpj, '')) as payment_kpjs,
        string_agg(kode_iuran, ',' order by kode_iuran) as kode_iuran_list,
        min(nama) as nama_on_payment

    from signed

    group by period, nik

)

select * from by_person
