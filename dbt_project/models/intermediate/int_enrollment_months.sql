-- Who the programme pays for in each month of the programme year: a participant is active
-- in month m when enrolled_month <= m and they did not exit before m (coverage runs through
-- the month of death). The expected premium of a person-month is defined here, once.
with

participants as (

    select * from {{ ref('int_enrollment_participants') }}

),

months as (

    select * from {{ ref('int_program_months') }}

),

parameters as (

    select * from {{ ref('int_program_parameters') }}

),

active as (

    select
        months.period,
        participants.nik,
        participants.kpj,
        parameters.monthly_premium_idr as expected_idr

    from participants
    cross join parameters
    inner join months
        on {{ participant_months('participants', 'months') }}

)

select * from active
