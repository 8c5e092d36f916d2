-- Priority ranks are 1..n over the n eligible candidates, without gaps; waiting-list
-- ranks are 1..m over the m wait-listed.
with

eligibility as (

    select * from {{ ref('eligibility') }}

),

ranks as (

    select
        count(*) filter (where is_eligible) as eligible_count,
        max(priority_rank) as max_priority_rank,
        count(*) filter (where waitlist_rank is not null) as waitlist_count,
        max(waitlist_rank) as max_waitlist_rank

    from eligibility

)

select * from ranks

where
    coalesce(max_priority_rank, 0) <> eligible_count
    or coalesce(max_waitlist_rank, 0) <> waitlist_count
