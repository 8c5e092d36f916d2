-- The programme parameters (program-rules.md section 1) as one typed row, with the
-- derived premium and capacity figures of section 2 computed once. Every model that
-- needs a parameter joins to this row; only this model reads the parameter vars, and the
-- `cohort_size` run switch (macro run_switch): the size of the published cohort a build
-- must keep once participants are enrolled (rentan.wap.cohort), empty when the
-- build selects afresh.
{%- set frozen_cohort_size = run_switch('cohort_size') %}
with

parameters as (

    select
        cast({{ var('program_year') }} as integer) as program_year,
        cast('{{ var("coverage_start_month") }}-01' as date) as coverage_start_month,
        cast('{{ var("coverage_end_month") }}-01' as date) as coverage_end_month,
        cast('{{ var("selection_date") }}' as date) as selection_date,
        cast({{ var('quota') }} as integer) as quota,
        cast({{ var('budget_idr') }} as bigint) as budget_idr,
        cast({{ var('declared_income_idr') }} as bigint) as declared_income_idr,
        cast('{{ var("jkk_rate") }}' as numeric) as jkk_rate,
        cast({{ var('jkm_monthly_idr') }} as bigint) as jkm_monthly_idr,
        cast({{ var('min_age') }} as integer) as min_age,
        cast({{ var('max_age') }} as integer) as max_age,
        cast({{ var('max_desil') }} as integer) as max_desil,
        cast({{ var('payment_due_day') }} as integer) as payment_due_day,
        cast('{{ var("kode_kota") }}' as text) as kode_kota,
        cast('{{ var("program_payer_code") }}' as text) as program_payer_code,
        cast({{ var('unpaid_flag_months') }} as integer) as unpaid_flag_months,
        cast({{ var('bpjs_lapse_months') }} as integer) as bpjs_lapse_months

),

premiums as (

    select
        *,
        -- JKK is a rate of the declared income, rounded to whole rupiah; JKM is flat.
        cast(round(jkk_rate * declared_income_idr) as bigint) as jkk_monthly_idr,
        cast(
            12 * (extract(year from coverage_end_month) - extract(year from coverage_start_month))
            + extract(month from coverage_end_month) - extract(month from coverage_start_month)
            + 1
            as integer
        ) as months_covered

    from parameters

),

annual as (

    select
        *,
        jkk_monthly_idr + jkm_monthly_idr as monthly_premium_idr,
        (jkk_monthly_idr + jkm_monthly_idr) * months_covered as annual_premium_idr

    from premiums

),

capacity as (

    select
        *,
        -- floor: bigint division of positive numbers truncates.
        budget_idr / annual_premium_idr as budget_capacity,
        least(quota, budget_idr / annual_premium_idr) as capacity,
        -- When both limits are equal the announced quota is what binds.
        case
            when budget_idr / annual_premium_idr < quota then 'BUDGET'
            else 'QUOTA'
        end as binding_constraint

    from annual

),

cohort as (

    select
        *,
        -- How many of the first ranks are selected: the capacity, until participants are
        -- enrolled; then the published cohort's size whatever the capacity does (a raise
        -- becomes slots for the waiting list). Cast: a frozen size is an integer literal, and the
        -- published ranks and counts keep one type whichever it is (their contracts say bigint).
        cast(
            {{ frozen_cohort_size if frozen_cohort_size is not none else 'capacity' }} as bigint
        ) as cohort_size

    from capacity

)

select * from cohort
