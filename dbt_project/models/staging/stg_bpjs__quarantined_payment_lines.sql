-- The lines of the current (LOADED) payment files the loader quarantined, with what they
-- say as delivered (normalised text, no typing: the line failed a check), so the finance
-- office sees what was left out.
-- An amount that does not parse (e.g. "16.800") is kept as text and counts in no total.
with

quarantine as (

    select * from {{ ref('stg_meta__quarantine') }}

),

payment_batches as (

    select * from {{ ref('stg_meta__load_batches') }}

    where feed = 'bpjs_iuran'

),

raw_lines as (

    select * from {{ source('raw', 'bpjs_iuran') }}

),

quarantined_lines as (

    select
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
        meta.parse_amount(raw_lines.total_iuran) as total_iuran_idr

    from quarantine
    inner join payment_batches
        on quarantine.batch_id = payment_batches.batch_id
    left join raw_lines
        on
            quarantine.batch_id = raw_lines.batch_id
            and quarantine.line_no = raw_lines.line_no

)

select * from quarantined_lines
