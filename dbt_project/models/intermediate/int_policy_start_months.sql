-- The start months the policy page compares (marts.policy_scenarios): every covered month of
-- the programme year, and every month of the next year (a programme started then), each
-- covered through the coverage end month of its own year. No personal data.
with

parameters as (

    select * from {{ ref('int_program_parameters') }}

),

months as (

    select
        cast(series.month_start as date) as start_month,
        cast(extract(year from series.month_start) as integer) - parameters.program_year as years_ahead,
        parameters.coverage_end_month

    from parameters
    cross join
        generate_series(
            parameters.coverage_start_month,
            parameters.coverage_end_month + interval '1 year',
            interval '1 month'
        ) as series (month_start)

),

ends as (

    select
        start_month,
        years_ahead,
        cast(coverage_end_month + make_interval(years => years_ahead) as date) as end_month

    from months

),

final as (

    select
        start_month,
        end_month,
        cast(
            12 * (extract(year from end_month) - extract(year from start_month))
            + extract(month from end_month) - extract(month from start_month) + 1
            as integer
        ) as months_covered,
        years_ahead > 0 as is_next_year

    from ends

    where start_month <= end_month

)

select * from final
