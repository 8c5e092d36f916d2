-- The waitlisted people this era's published calls skipped, and why (program-rules.md
-- section 5: skipped for that slot, keeping their rank). Empty when the build starts a new era.
with

skips as (

    {{ current_era_rows('skips') }}

),

final as (

    select
        call_order,
        nik,
        waitlist_rank,
        reasons,
        published_version,
        skipped_at

    from skips

)

select * from final
