{{ config(indexes=[{'columns': ['nik']}]) }}

-- Who was skipped for which call, and why (program-rules.md section 5): the waitlisted people
-- ranked before a called person who were not eligible by the latest snapshots when that call was
-- made. The ledger's skips (history.skips) and this version's (is_new, appended when it is
-- published). A skipped person keeps their rank and is examined again for every later slot.
with

decided as (

    select * from {{ ref('stg_history__skips') }}

),

new_skips as (

    select * from {{ ref('int_enrollment_new_skips') }}

),

final as (

    select
        call_order,
        nik,
        waitlist_rank,
        reasons,
        published_version as skipped_in_version,
        false as is_new

    from decided

    union all

    select
        call_order,
        nik,
        waitlist_rank,
        reasons,
        cast(null as bigint) as skipped_in_version,
        true as is_new

    from new_skips

)

select * from final
