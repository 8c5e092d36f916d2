-- The waitlisted people skipped for each call this run makes (program-rules.md section 5):
-- ranked before the person called, not called before, and not eligible by the latest snapshots
-- (with the reasons). Skipped for that slot only: they keep their rank and are examined again
-- for every later slot, so a person can be skipped for several calls.
with

new_calls as (

    select * from {{ ref('int_enrollment_new_calls') }}

    where nik is not null

),

latest as (

    select * from {{ ref('int_eligibility_latest') }}

),

decided as (

    select * from {{ ref('int_enrollment_decided') }}

),

final as (

    select
        new_calls.call_order,
        latest.nik,
        latest.waitlist_rank,
        latest.recheck_reasons as reasons

    from new_calls
    inner join latest
        on new_calls.waitlist_rank > latest.waitlist_rank and not latest.is_still_eligible
    left join decided
        on latest.nik = decided.nik

    where decided.nik is null

)

select * from final
