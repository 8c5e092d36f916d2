-- marts.person_status has exactly one row per candidate: a missing pseudonym key would
-- otherwise empty it silently (it is cross-joined).
with

candidates as (

    select count(*) as n from {{ ref('eligibility') }}

),

person_rows as (

    select count(*) as n from {{ ref('person_status') }}

)

select
    candidates.n as candidates,
    person_rows.n as person_rows

from candidates
cross join person_rows

where candidates.n <> person_rows.n
