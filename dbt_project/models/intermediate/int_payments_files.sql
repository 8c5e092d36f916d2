-- The current (LOADED) BPJS payment files, one per period, with the loader's row and
-- rupiah control totals: the periods with payment data, and what the files held.
-- It reads the payment feed's manifest rows, so it is rebuilt when that feed changes:
-- depends_on: {{ source('raw', 'bpjs_iuran') }}
with

batches as (

    select * from {{ ref('stg_meta__load_batches') }}

),

manifest as (

    select * from {{ source('meta', 'load_manifest') }}

),

files as (

    select
        batches.snapshot_date as period,
        batches.batch_id,
        batches.file_name,
        manifest.rows_read as rows_in_file,
        manifest.rows_loaded,
        manifest.rows_quarantined,
        manifest.amount_total_idr as file_total_idr,
        manifest.amount_loaded_idr as loaded_total_idr,
        manifest.amount_quarantined_idr as quarantined_total_idr,
        manifest.amount_unparsed_rows as unparsed_amount_rows

    from batches
    inner join manifest
        on batches.batch_id = manifest.batch_id

    where batches.feed = 'bpjs_iuran'

)

select * from files
