-- The capacity the budget and the quota allow (program-rules.md section 2), the
-- constraint that binds and its arithmetic, next to how many people were found
-- eligible, selected and wait-listed: so the finance office sees a budget shortfall
-- at selection time, not in December.
with

parameters as (

    select * from {{ ref('int_program_parameters') }}

),

ranked as (

    select * from {{ ref('int_eligibility_ranked') }}

),

counts as (

    select
        count(*) as candidate_count,
        count(*) filter (where is_eligible) as eligible_count,
        count(*) filter (where is_selected) as selected_count,
        count(waitlist_rank) as waitlist_count

    from ranked

),

final as (

    select
        ---------- contract (marts.md)
        parameters.quota,
        parameters.budget_idr,
        parameters.monthly_premium_idr,
        parameters.annual_premium_idr,
        parameters.capacity,
        parameters.binding_constraint,
        counts.eligible_count,
        counts.selected_count,
        counts.waitlist_count,

        ---------- the arithmetic
        counts.candidate_count,
        parameters.months_covered,
        parameters.coverage_start_month,
        parameters.coverage_end_month,
        parameters.jkk_monthly_idr,
        parameters.jkm_monthly_idr,
        parameters.budget_capacity,
        parameters.cohort_size,
        parameters.annual_premium_idr * counts.selected_count as selected_annual_cost_idr,
        parameters.budget_idr - parameters.annual_premium_idr * counts.selected_count
            as unallocated_budget_idr,
        format(
            'monthly premium = JKK %s x %s + JKM %s = %s; annual premium = %s x %s months = %s; '
            || 'capacity = min(quota %s, floor(%s / %s) = %s) = %s (%s binds)',
            parameters.jkk_rate,
            parameters.declared_income_idr,
            parameters.jkm_monthly_idr,
            parameters.monthly_premium_idr,
            parameters.monthly_premium_idr,
            parameters.months_covered,
            parameters.annual_premium_idr,
            parameters.quota,
            parameters.budget_idr,
            parameters.annual_premium_idr,
            parameters.budget_capacity,
            parameters.capacity,
            parameters.binding_constraint
        ) as capacity_arithmetic,
        parameters.selection_date

    from parameters
    cross join counts

)

select * from final
