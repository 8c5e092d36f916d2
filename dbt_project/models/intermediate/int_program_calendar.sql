-- The programme's months, defined once (program-rules.md sections 1, 5 and 6): every month of
-- program_year (the budget's rows: a payment for a month outside coverage still spends the
-- allocation) and of the coverage window (the months a participant is paid for), generated
-- from the parameters, never from the data. months_after counts the covered months after a
-- month: what the year-end projection still has to pay for, and what a slot still costs.
with

parameters as (

    select * from {{ ref('int_program_parameters') }}

),

months as (

    select
        parameters.program_year,
        parameters.coverage_start_month,
        parameters.coverage_end_month,
        cast(series.month_start as date) as period

    from parameters
    cross join generate_series(
        cast(least(make_date(parameters.program_year, 1, 1), parameters.coverage_start_month) as timestamp),
        cast(greatest(make_date(parameters.program_year, 12, 1), parameters.coverage_end_month) as timestamp),
        interval '1 month'
    ) as series (month_start)

),

flagged as (

    select
        period,
        cast(extract(month from period) as integer) as month_number,
        extract(year from period) = program_year as is_program_year,
        period between coverage_start_month and coverage_end_month as is_covered

    from months

),

final as (

    select
        period,
        month_number,
        is_program_year,
        is_covered,
        cast(count(*) filter (where is_covered) over (
            order by period rows between 1 following and unbounded following
        ) as integer) as months_after

    from flagged

)

select * from final
