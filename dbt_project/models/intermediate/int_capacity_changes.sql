-- The capacity in force (program-rules.md section 5, "Capacity changes"): this era's decisions
-- from the ledger and, when this build's capacity (a revised quota or budget) differs from the
-- last of them, the change this build makes (is_new), in force from the month after the latest
-- month with payment data. A build that starts a new era decides its first capacity, in force
-- from coverage_start_month. A change never removes anyone: a cut is accepted only while it
-- covers every participant holding a slot (the quota suite checks it month by month).
with

decided as (

    select * from {{ ref('stg_history__capacity_changes') }}

),

parameters as (

    select * from {{ ref('int_program_parameters') }}

),

basis as (

    select * from {{ ref('int_budget_basis') }}

),

last_decided as (

    select
        change_no,
        capacity

    from decided

    order by change_no desc

    limit 1

),

pending as (

    select
        coalesce(last_decided.change_no, 0) + 1 as change_no,
        case
            when last_decided.change_no is null then parameters.coverage_start_month
            else basis.decision_month
        end as effective_month,
        parameters.capacity,
        last_decided.capacity as previous_capacity,
        parameters.quota,
        parameters.budget_idr,
        parameters.annual_premium_idr,
        parameters.binding_constraint,
        basis.latest_payment_period as data_month

    from parameters
    cross join basis
    left join last_decided
        on true

    where last_decided.capacity is distinct from parameters.capacity

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
        false as is_new

    from decided

    union all

    select
        *,
        true as is_new

    from pending

)

select * from final
