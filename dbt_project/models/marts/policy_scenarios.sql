-- What other budgets and start months would buy (issue 14's "Skenario Kebijakan"): for each
-- start month of the programme year, budgets in multiples of today's (1x, 2x, ... up to the
-- first multiple that pays every eligible worker for the longest coverage), each with and
-- without today's quota; and per start month the budget that covers every eligible worker.
-- Capacity is computed as in program-rules.md section 2; the eligible count is the
-- published eligibility's. No personal data.
with

capacity as (

    select * from {{ ref('program_capacity') }}

),

start_months as (

    select
        cast(months.month_start as date) as start_month,
        cast(
            12 * (extract(year from capacity.coverage_end_month) - extract(year from months.month_start))
            + extract(month from capacity.coverage_end_month) - extract(month from months.month_start) + 1
            as integer
        ) as months_covered

    from capacity
    cross join
        generate_series(
            capacity.coverage_start_month, capacity.coverage_end_month, interval '1 month'
        ) as months (month_start)

),

-- How many multiples of today's budget it takes to pay every eligible worker from the
-- first start month (the longest coverage), at least one: today's budget.
steps as (

    select
        greatest(
            1,
            ceil(
                1.0 * capacity.eligible_count * capacity.monthly_premium_idr * capacity.months_covered
                / capacity.budget_idr
            )
        ) as step_count

    from capacity

),

budget_steps as (

    select
        cast(budget_multiple as integer) as budget_multiple,
        cast(capacity.budget_idr * budget_multiple as bigint) as budget_idr,
        true as is_budget_step

    from capacity
    cross join steps
    cross join generate_series(1, steps.step_count) as budget_multiple

),

quota_rules as (

    select true as quota_applied
    union all
    select false as quota_applied

),

stepped as (

    select
        'BUDGET_STEP' as scenario,
        budget_steps.budget_multiple,
        budget_steps.budget_idr,
        quota_rules.quota_applied,
        start_months.start_month,
        start_months.months_covered

    from budget_steps
    cross join quota_rules
    cross join start_months

),

-- The budget that covers every eligible worker from each start month, without a quota.
all_eligible as (

    select
        'ALL_ELIGIBLE' as scenario,
        cast(null as integer) as budget_multiple,
        cast(capacity.eligible_count * capacity.monthly_premium_idr * start_months.months_covered as bigint)
            as budget_idr,
        false as quota_applied,
        start_months.start_month,
        start_months.months_covered

    from capacity
    cross join start_months

),

scenarios as (

    select * from stepped
    union all
    select * from all_eligible

),

limits as (

    select
        scenarios.*,
        capacity.quota,
        capacity.eligible_count,
        capacity.monthly_premium_idr,
        capacity.monthly_premium_idr * scenarios.months_covered as annual_premium_idr,
        cast(
            floor(
                1.0 * scenarios.budget_idr / (capacity.monthly_premium_idr * scenarios.months_covered)
            ) as bigint
        ) as budget_capacity,
        coalesce(
            scenarios.start_month = capacity.coverage_start_month
            and scenarios.budget_multiple = 1
            and scenarios.quota_applied,
            false
        ) as is_current_policy,
        scenarios.start_month = capacity.coverage_start_month as is_first_start_month

    from scenarios
    cross join capacity

),

final as (

    select
        scenario,
        start_month,
        months_covered,
        budget_multiple,
        budget_idr,
        quota_applied,
        case when quota_applied then 'kuota ' || quota else 'tanpa kuota' end as quota_rule,
        quota,
        eligible_count,
        monthly_premium_idr,
        annual_premium_idr,
        budget_capacity,
        case
            when quota_applied then least(quota, budget_capacity, eligible_count)
            else least(budget_capacity, eligible_count)
        end as workers_covered,
        annual_premium_idr * case
            when quota_applied then least(quota, budget_capacity, eligible_count)
            else least(budget_capacity, eligible_count)
        end as annual_cost_idr,
        -- Every eligible worker covered: ELIGIBLE binds; otherwise the quota (which wins a
        -- tie with the budget, as in int_program_parameters) or the budget.
        case
            when
                eligible_count <= budget_capacity
                and (not quota_applied or eligible_count <= quota)
                then 'ELIGIBLE'
            when quota_applied and quota <= budget_capacity then 'QUOTA'
            else 'BUDGET'
        end as binding_constraint,
        is_current_policy,
        is_first_start_month

    from limits

)

select * from final
