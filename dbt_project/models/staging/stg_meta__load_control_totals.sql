-- The loader's control totals of every current (LOADED) batch: rows and rupiah read, loaded
-- and quarantined, as meta.load_manifest recorded them while the file was checked.
with

source as (

    select * from {{ source('meta', 'load_manifest') }}

),

control_totals as (

    select
        batch_id,
        feed,
        rows_read,
        rows_loaded,
        rows_quarantined,
        amount_total_idr,
        amount_loaded_idr,
        amount_quarantined_idr,
        amount_unparsed_rows

    from source

    where status = 'LOADED'

)

select * from control_totals
