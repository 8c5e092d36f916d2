-- The months of the programme year (coverage_start_month to coverage_end_month), generated
-- from the parameters so the budget has a row for every month, paid or not yet.
with

parameters as (

    select * from {{ ref('int_program_parameters') }}

),

months as (

    select
        parameters.months_covered,
        cast(series.month_start as date) as period

    from parameters
    cross join generate_series(
        cast(parameters.coverage_start_month as timestamp),
        cast(parameters.coverage_end_month as timestamp),
        interval '1 month'
    ) as series (month_start)

),

numbered as (

    select
        period,
        cast(row_number() over (order by period) as integer) as month_number,
        months_covered

    from months

),

final as (

    select
        period,
        month_number,
        months_covered - month_number as months_after

    from numbered

)

select * from final
