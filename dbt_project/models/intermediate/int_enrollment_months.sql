-- Who holds a slot and who the programme pays for, month by month: the decided participants'
-- months (int_enrollment_decided_months) and those of this run's new calls, with the same
-- macros. is_active months are paid for (expected_idr, defined here once); the quota counts
-- every month held.
with

decided_months as (

    select * from {{ ref('int_enrollment_decided_months') }}

),

participants as (

    select * from {{ ref('int_enrollment_participants') }}

    where is_new_call

),

calendar as (

    select * from {{ ref('int_program_calendar') }}

),

parameters as (

    select * from {{ ref('int_program_parameters') }}

),

new_call_months as (

    {{ held_months('participants', 'calendar', 'parameters') }}

),

final as (

    select
        decided_months.*,
        false as is_new_call

    from decided_months

    union all

    select
        new_call_months.*,
        true as is_new_call

    from new_call_months

)

select * from final
