-- How many replacements the programme may call now, and why (program-rules.md section 5):
-- free slots, the budget headroom at the monthly premium for the months left, and the
-- still-eligible waiting list. One row, no personal data.
with

slots as (

    select * from {{ ref('int_enrollment_replacement_slots') }}

)

select * from slots
