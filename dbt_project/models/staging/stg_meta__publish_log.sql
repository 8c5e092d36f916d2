-- The publications of ops and marts (meta.publish_log): which version each run published.
with

source as (

    select * from {{ source('meta', 'publish_log') }}

),

publications as (

    select
        version,
        run_id,
        published_at

    from source

)

select * from publications
