-- The current (LOADED) BPJS payment files, one per period, with the loader's row and
-- rupiah control totals: the periods with payment data, and what the files held.
-- It reads the payment feed's manifest rows, so it is rebuilt when that feed changes
-- (stg_bpjs__payments is downstream of the feed; incremental builds select by feed):
-- depends_on: {{ ref('stg_bpjs__payments') }}
with

batches as (

    select * from {{ ref('stg_meta__load_batches') }}

),

control_totals as (

    select * from {{ ref('stg_meta__load_control_totals') }}

),

files as (

    select
        batches.snapshot_date as period,
        batches.batch_id,
        batches.file_name,
        control_totals.rows_read as rows_in_file,
        control_totals.rows_loaded,
        control_totals.rows_quarantined,
        control_totals.amount_total_idr as file_total_idr,
        control_totals.amount_loaded_idr as loaded_total_idr,
        control_totals.amount_quarantined_idr as quarantined_total_idr,
        control_totals.amount_unparsed_rows as unparsed_amount_rows

    from batches
    inner join control_totals
        on batches.batch_id = control_totals.batch_id

    where batches.feed = 'bpjs_iuran'

)

select * from files
