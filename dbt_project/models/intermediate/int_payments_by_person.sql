-- BPJS payment lines summed per (period, NIK) as section 7 reads them: paid_idr nets refunds
-- (a line's sign is staging's, signed_iuran_idr), payment_lines counts the payment lines only
-- and the last paid date is the latest payment's tgl_bayar.
with

payments as (

    select * from {{ ref('stg_bpjs__payments') }}

),

by_person as (

    select
        period,
        nik,
        cast(sum(signed_iuran_idr) as bigint) as paid_idr,
        cast(count(*) filter (where not is_refund) as integer) as payment_lines,
        cast(count(*) filter (where is_refund) as integer) as refund_lines,
        cast(coalesce(sum(total_iuran_idr) filter (where not is_refund), 0) as bigint) as paid_gross_idr,
        cast(coalesce(sum(total_iuran_idr) filter (where is_refund), 0) as bigint) as refunded_idr,
        max(tgl_bayar) filter (where not is_refund) as last_paid_date,
        string_agg(distinct nullif(kpj, ''), ',' order by nullif(kpj, '')) as payment_kpjs,
        string_agg(kode_iuran, ',' order by kode_iuran) as kode_iuran_list,
        min(nama) as nama_on_payment

    from payments

    group by period, nik

)

select * from by_person
