-- The months each decided participant (int_enrollment_decided) holds a slot, covered month by
-- covered month, and whether the programme pays for that month (is_active, the premium
-- expected). The quota counts the months held; the budget and the reconciliation the active
-- ones. int_enrollment_months adds this run's new calls.
with

participants as (

    select * from {{ ref('int_enrollment_decided') }}

),

calendar as (

    select * from {{ ref('int_program_calendar') }}

),

parameters as (

    select * from {{ ref('int_program_parameters') }}

),

final as (

    {{ held_months('participants', 'calendar', 'parameters') }}

)

select * from final
