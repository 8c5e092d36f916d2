-- Priority and selection (program-rules.md section 4). Eligible candidates are ranked
-- by desil (poorest first), household size (largest first), Dukcapil date of birth
-- (oldest first) and NIK, so the same inputs always give the same ranks. The first
-- `cohort_size` ranks are selected (the capacity, until the cohort is decided: see
-- int_program_parameters); the other eligible candidates form the waiting list.
with

candidates as (

    select * from {{ ref('int_eligibility_reasons') }}

),

parameters as (

    select * from {{ ref('int_program_parameters') }}

),

priorities as (

    select
        nik,
        cast(row_number() over priority_order as integer) as priority_rank

    from candidates

    where is_eligible

    window priority_order as (
        order by
            desil asc,
            household_size desc,
            tanggal_lahir asc,
            nik collate "C" asc
    )

),

selection as (

    select
        candidates.*,
        priorities.priority_rank,
        coalesce(priorities.priority_rank <= parameters.cohort_size, false) as is_selected,
        case
            when priorities.priority_rank > parameters.cohort_size
                then priorities.priority_rank - parameters.cohort_size
        end as waitlist_rank

    from candidates
    cross join parameters
    left join priorities
        on candidates.nik = priorities.nik

)

select * from selection
