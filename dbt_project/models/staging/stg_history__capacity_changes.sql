-- The capacity decisions of this era (program-rules.md section 5, "Capacity changes"): the
-- era's first capacity from coverage_start_month, then each change from its effective month.
-- Empty when the build starts a new era.
with

changes as (

    {{ current_era_rows('capacity_changes') }}

),

final as (

    select
        change_no,
        effective_month,
        capacity,
        previous_capacity,
        quota,
        budget_idr,
        annual_premium_idr,
        binding_constraint,
        data_month,
        published_version,
        decided_at

    from changes

)

select * from final
