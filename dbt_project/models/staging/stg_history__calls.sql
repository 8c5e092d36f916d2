-- The replacements the published versions of this era called (program-rules.md section 5):
-- they are participants from then on, whatever later deliveries say. Empty when the build
-- starts a new era.
with

calls as (

    {{ current_era_rows('calls') }}

),

final as (

    select
        call_order,
        nik,
        waitlist_rank,
        priority_rank,
        slot_key,
        slot_source,
        replaces_nik,
        freed_month,
        freed_rank,
        slot_start_month,
        slot_cost_idr,
        data_month,
        published_version,
        called_at

    from calls

)

select * from final
