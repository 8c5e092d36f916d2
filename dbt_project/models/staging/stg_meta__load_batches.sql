with

source as (

    select * from {{ source('meta', 'load_manifest') }}

),

current_batches as (

    select
        batch_id,
        feed,
        snapshot_date,
        file_name,
        rows_loaded,
        rows_quarantined

    from source

    where status = 'LOADED'

)

select * from current_batches
