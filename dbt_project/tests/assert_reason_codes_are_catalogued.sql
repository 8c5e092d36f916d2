-- Every reason code the rules produce is in the eligibility_reason_codes seed, so the
-- exclusion chart (marts.eligibility_reason_counts) cannot silently drop one.
with

candidate_reasons as (

    select distinct reason_code

    from {{ ref('int_eligibility_ranked') }}
    cross join unnest(string_to_array(reasons, ',')) as reason_code

),

catalogue as (

    select reason_code from {{ ref('eligibility_reason_codes') }}

)

select candidate_reasons.reason_code

from candidate_reasons

where candidate_reasons.reason_code not in (select catalogue.reason_code from catalogue)
