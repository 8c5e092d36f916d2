-- The rows the loader quarantined (meta.quarantine): which check each failed and its raw
-- text. Staging excludes them (current_rows); the control totals count them again.
with

source as (

    select * from {{ source('meta', 'quarantine') }}

),

quarantined as (

    select
        batch_id,
        line_no,
        reason_code,
        column_name,
        failures,
        raw_line

    from source

)

select * from quarantined
