-- Every quarantined line of the current BPJS payment files with its raw text, so the
-- finance office sees what was left out and why; an amount that does not parse (e.g.
-- "16.800") is shown as delivered and counts in no rupiah total.
with

files as (

    select * from {{ ref('int_payments_files') }}

),

quarantine as (

    select * from {{ source('meta', 'quarantine') }}

),

raw_lines as (

    select * from {{ source('raw', 'bpjs_iuran') }}

),

final as (

    select
        files.period,
        files.file_name,
        quarantine.batch_id,
        quarantine.line_no,
        quarantine.reason_code,
        quarantine.column_name,
        quarantine.failures,
        quarantine.raw_line,
        meta.normalize_id(raw_lines.nik) as nik,
        meta.normalize_text(raw_lines.nik) as nik_as_delivered,
        meta.normalize_text(raw_lines.kpj) as kpj,
        meta.normalize_text(raw_lines.nama) as nama,
        meta.normalize_text(raw_lines.periode) as periode,
        meta.normalize_text(raw_lines.jenis_transaksi) as jenis_transaksi,
        meta.normalize_text(raw_lines.total_iuran) as total_iuran_text,
        meta.parse_amount(raw_lines.total_iuran) as total_iuran_idr,
        meta.parse_amount(raw_lines.total_iuran) is not null as amount_parses

    from quarantine
    inner join files
        on quarantine.batch_id = files.batch_id
    left join raw_lines
        on
            quarantine.batch_id = raw_lines.batch_id
            and quarantine.line_no = raw_lines.line_no

)

select * from final
