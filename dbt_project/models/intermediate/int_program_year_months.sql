-- The twelve months of program_year, January to December, whatever the coverage window
-- (program-rules.md section 6): the rows of the budget, since a payment for a month outside
-- coverage still spends the APBD allocation. is_covered marks the months of
-- int_program_months; months_after counts the covered months after the month, what the
-- year-end projection still has to pay for.
with

parameters as (

    select * from {{ ref('int_program_parameters') }}

),

months as (

    select
        parameters.coverage_start_month,
        parameters.coverage_end_month,
        cast(series.month_start as date) as period

    from parameters
    cross join generate_series(
        make_timestamp(parameters.program_year, 1, 1, 0, 0, 0),
        make_timestamp(parameters.program_year, 12, 1, 0, 0, 0),
        interval '1 month'
    ) as series (month_start)

),

counted_from as (

    -- Covered months after `period` are those after the later of it and the month
    -- before coverage starts.
    select
        *,
        greatest(period, cast(coverage_start_month - interval '1 month' as date)) as after_month

    from months

),

final as (

    select
        period,
        cast(extract(month from period) as integer) as month_number,
        period between coverage_start_month and coverage_end_month as is_covered,
        cast(greatest(
            0,
            12 * (extract(year from coverage_end_month) - extract(year from after_month))
            + extract(month from coverage_end_month) - extract(month from after_month)
        ) as integer) as months_after

    from counted_from

)

select * from final
