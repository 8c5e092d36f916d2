-- The capacity decisions of the era (program-rules.md section 5, "Capacity changes"), one row
-- each: the era's first capacity and every revision, from the month it took effect, with the
-- parameters behind it; is_new marks the change this version makes. No personal data.
with

changes as (

    select * from {{ ref('int_capacity_changes') }}

),

final as (

    select
        change_no,
        effective_month,
        capacity,
        previous_capacity,
        capacity - coalesce(previous_capacity, capacity) as capacity_change,
        quota,
        budget_idr,
        annual_premium_idr,
        binding_constraint,
        data_month,
        is_new

    from changes

)

select * from final
