-- How many waiting-list candidates may replace participants (program-rules.md section 5):
-- as many as there are free slots (capacity - active participants), as the headroom of
-- the budget pays at the monthly premium for the months left after the latest month with
-- payment data, and as there are still-eligible candidates. One row, the arithmetic in
-- columns.
with

parameters as (

    select * from {{ ref('int_program_parameters') }}

),

participants as (

    select * from {{ ref('int_enrollment_participants') }}

),

budget as (

    select * from {{ ref('int_budget_monthly') }}

),

waitlist as (

    select * from {{ ref('int_enrollment_waitlist_recheck') }}

),

statuses as (

    select
        cast(count(*) filter (where status = 'ACTIVE') as integer) as active_participants,
        cast(count(*) filter (where status = 'SELECTED_NOT_REGISTERED') as integer) as not_registered,
        cast(count(*) filter (where status = 'EXITED') as integer) as exited

    from participants

),

candidates as (

    select
        cast(count(*) as integer) as waitlist_count,
        cast(count(*) filter (where is_still_eligible) as integer) as eligible_waitlist_count

    from waitlist

),

year_end as (

    -- The last month of the year carries the projection as of the latest payment data.
    select
        budget.projection_basis_period,
        budget.projected_year_end_idr,
        budget.headroom_idr

    from budget

    order by budget.period desc

    limit 1

),

remaining as (

    select
        year_end.*,
        coalesce(basis.months_after, parameters.months_covered) as remaining_months,
        coalesce(
            cast(basis.period + interval '1 month' as date), parameters.coverage_start_month
        ) as replacement_start_month

    from year_end
    cross join parameters
    left join budget as basis
        on year_end.projection_basis_period = basis.period

),

slots as (

    select
        parameters.capacity,
        statuses.active_participants,
        statuses.not_registered,
        statuses.exited,
        greatest(parameters.capacity - statuses.active_participants, 0) as free_slots,
        remaining.projection_basis_period as latest_payment_period,
        remaining.replacement_start_month,
        remaining.remaining_months,
        parameters.monthly_premium_idr,
        parameters.monthly_premium_idr * remaining.remaining_months as cost_per_replacement_idr,
        remaining.projected_year_end_idr,
        remaining.headroom_idr,
        case
            when remaining.remaining_months > 0
                then
                    greatest(remaining.headroom_idr, 0)
                    / (parameters.monthly_premium_idr * remaining.remaining_months)
            else 0
        end as budget_slots,
        candidates.waitlist_count,
        candidates.eligible_waitlist_count

    from parameters
    cross join statuses
    cross join candidates
    cross join remaining

),

final as (

    select
        *,
        least(free_slots, budget_slots, eligible_waitlist_count) as replacements,
        case
            when least(free_slots, budget_slots, eligible_waitlist_count) = free_slots then 'FREE_SLOTS'
            when least(free_slots, budget_slots, eligible_waitlist_count) = budget_slots then 'BUDGET'
            else 'WAITING_LIST'
        end as replacement_limit

    from slots

)

select * from final
