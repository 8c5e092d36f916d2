-- The budget per month of the programme year (marts.md contract, program-rules.md
-- section 6), next to the capacity arithmetic of section 2 so one table answers "are we
-- within budget, and why is capacity what it is". No personal data.
with

budget as (

    select * from {{ ref('int_budget_monthly') }}

),

parameters as (

    select * from {{ ref('int_program_parameters') }}

),

final as (

    select
        ---------- contract (marts.md)
        budget.period,
        budget.active_participants,
        budget.expected_idr,
        budget.paid_idr,
        budget.cumulative_paid_idr,
        budget.budget_remaining_idr,
        budget.projected_year_end_idr,
        budget.headroom_idr,

        ---------- what is left for replacement calls (program-rules.md section 5)
        budget.committed_idr,
        budget.headroom_for_calls_idr,

        ---------- the quota of section 5, month by month
        budget.capacity_in_force,
        budget.is_new_capacity,
        budget.slot_holders,
        budget.new_call_holders,

        ---------- the month
        budget.month_number,
        budget.months_after,
        budget.is_covered,
        budget.has_payment_data,
        budget.projection_basis_period,
        budget.difference_idr,
        budget.cumulative_expected_idr,
        budget.projected_year_end_idr > budget.budget_idr as is_projected_over_budget,
        greatest(budget.projected_year_end_idr - budget.budget_idr, 0) as projected_overrun_idr,
        budget.paid_beyond_expected_idr,

        ---------- capacity arithmetic (section 2)
        parameters.budget_idr,
        parameters.quota,
        parameters.monthly_premium_idr,
        parameters.months_covered,
        parameters.annual_premium_idr,
        parameters.budget_capacity,
        parameters.capacity,
        parameters.binding_constraint,

        ---------- the unpaid thresholds of section 7 (for the report's labels)
        parameters.unpaid_flag_months,
        parameters.bpjs_lapse_months

    from budget
    cross join parameters

)

select * from final
