-- The budgets the policy page compares (marts.policy_scenarios): from half of today's budget
-- to what covering every eligible worker for the programme's whole coverage costs (at least
-- today's budget), in ten equal steps rounded to a round unit (three significant digits of
-- the range: Rp10 juta for a range of a few billion), plus today's budget itself. No
-- personal data.
{%- set steps = 10 %}
with

parameters as (

    select * from {{ ref('int_program_parameters') }}

),

ranked as (

    select * from {{ ref('int_eligibility_ranked') }}

),

eligible as (

    select count(*) filter (where is_eligible) as eligible_count

    from ranked

),

range_ends as (

    select
        parameters.budget_idr,
        parameters.budget_idr / 2.0 as low_idr,
        greatest(parameters.budget_idr, eligible.eligible_count * parameters.annual_premium_idr) as high_idr

    from parameters
    cross join eligible

),

units as (

    select
        *,
        power(10, greatest(floor(log(high_idr - low_idr)) - 2, 0)) as unit_idr

    from range_ends

),

steps as (

    select
        units.budget_idr as current_budget_idr,
        case
            when step = {{ steps }} then units.high_idr
            else
                units.unit_idr
                * round(
                    (units.low_idr + step * (units.high_idr - units.low_idr) / {{ steps }}) / units.unit_idr
                )
        end as budget_idr

    from units
    cross join generate_series(0, {{ steps }}) as step

    union

    select
        budget_idr as current_budget_idr,
        budget_idr

    from units

),

final as (

    select
        cast(budget_idr as bigint) as budget_idr,
        round(budget_idr / current_budget_idr, 2) as budget_multiple,
        budget_idr = current_budget_idr as is_current_budget

    from steps

)

select * from final
