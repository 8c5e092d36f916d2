-- What other budgets and start months would buy (the "Skenario Kebijakan" dashboard): for
-- each start month of the programme year and of the next year (int_policy_start_months), the
-- budgets of int_policy_budget_steps (from half of today's to covering every eligible worker,
-- in steps), each with and without today's quota; and per start month the budget that covers
-- every eligible worker (ALL_ELIGIBLE). Capacity is computed as in program-rules.md section 2;
-- the eligible count is the published eligibility's. Codes come with their vocabulary
-- labels. No personal data.
with

capacity as (

    select * from {{ ref('program_capacity') }}

),

start_months as (

    select * from {{ ref('int_policy_start_months') }}

),

budget_steps as (

    select * from {{ ref('int_policy_budget_steps') }}

),

vocabulary as (

    select * from {{ ref('int_vocabulary') }}

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
        budget_steps.is_current_budget,
        quota_rules.quota_applied,
        start_months.start_month,
        start_months.months_covered,
        start_months.is_next_year

    from budget_steps
    cross join quota_rules
    cross join start_months

),

-- The budget that covers every eligible worker from each start month, without a quota.
all_eligible as (

    select
        'ALL_ELIGIBLE' as scenario,
        cast(null as numeric) as budget_multiple,
        cast(capacity.eligible_count * capacity.monthly_premium_idr * start_months.months_covered as bigint)
            as budget_idr,
        false as is_current_budget,
        false as quota_applied,
        start_months.start_month,
        start_months.months_covered,
        start_months.is_next_year

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
        scenarios.start_month = capacity.coverage_start_month
        and scenarios.is_current_budget
        and scenarios.quota_applied as is_current_policy,
        scenarios.start_month = capacity.coverage_start_month as is_first_start_month

    from scenarios
    cross join capacity

),

covered as (

    select
        *,
        case
            when quota_applied then least(quota, budget_capacity, eligible_count)
            else least(budget_capacity, eligible_count)
        end as workers_covered,
        -- Every eligible worker covered: ELIGIBLE binds; otherwise the quota (which wins a
        -- tie with the budget, as in int_program_parameters) or the budget.
        case
            when
                eligible_count <= budget_capacity
                and (not quota_applied or eligible_count <= quota)
                then 'ELIGIBLE'
            when quota_applied and quota <= budget_capacity then 'QUOTA'
            else 'BUDGET'
        end as binding_constraint

    from limits

),

final as (

    select
        covered.scenario,
        scenario.label as scenario_label,
        covered.start_month,
        {{ month_label('covered.start_month') }} as start_month_label,
        {{ month_order('covered.start_month') }} as start_month_order,
        covered.months_covered,
        covered.is_next_year,
        covered.budget_multiple,
        covered.budget_idr,
        cast(round(covered.budget_idr / 1e6) as bigint) as budget_million_idr,  -- in millions of rupiah
        covered.quota_applied,
        quota_rule.label as quota_rule,
        covered.quota,
        covered.eligible_count,
        covered.monthly_premium_idr,
        covered.annual_premium_idr,
        covered.budget_capacity,
        covered.workers_covered,
        covered.annual_premium_idr * covered.workers_covered as annual_cost_idr,
        covered.binding_constraint,
        binding_code.label as binding_label,
        covered.is_current_policy,
        covered.is_current_budget,
        covered.is_first_start_month

    from covered
    inner join vocabulary as scenario
        on scenario.domain = 'scenario' and covered.scenario = scenario.code
    inner join vocabulary as binding_code
        on binding_code.domain = 'binding_constraint' and covered.binding_constraint = binding_code.code
    inner join vocabulary as quota_rule
        on
            quota_rule.domain = 'quota_rule'
            and quota_rule.code = case when covered.quota_applied then 'WITH_QUOTA' else 'WITHOUT_QUOTA' end

)

select * from final
