-- Every quarantined line of the current BPJS payment files with its raw text, so the
-- finance office sees what was left out and why; an amount that does not parse (e.g.
-- "16.800") is shown as delivered and counts in no rupiah total.
with

files as (

    select * from {{ ref('int_payments_files') }}

),

quarantined_lines as (

    select * from {{ ref('stg_bpjs__quarantined_payment_lines') }}

),

final as (

    select
        files.period,
        files.file_name,
        quarantined_lines.batch_id,
        quarantined_lines.line_no,
        quarantined_lines.reason_code,
        quarantined_lines.column_name,
        quarantined_lines.failures,
        quarantined_lines.raw_line,
        quarantined_lines.nik,
        quarantined_lines.nik_as_delivered,
        quarantined_lines.kpj,
        quarantined_lines.nama,
        quarantined_lines.periode,
        quarantined_lines.jenis_transaksi,
        quarantined_lines.total_iuran_text,
        quarantined_lines.total_iuran_idr,
        quarantined_lines.total_iuran_idr is not null as amount_parses

    from quarantined_lines
    inner join files
        on quarantined_lines.batch_id = files.batch_id

)

select * from final
