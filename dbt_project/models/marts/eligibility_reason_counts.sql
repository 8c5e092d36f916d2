-- Why candidates were excluded, for the "top reasons for exclusion" chart: one row per
-- reason code (zero when no candidate fails it), counted over candidates whose reasons
-- include the code. A candidate failing several rules counts under each; the sole-reason
-- count shows what relaxing just that rule would add. No NIK, only counts.
with

reason_codes as (

    select * from {{ ref('eligibility_reason_codes') }}

),

vocabulary as (

    select * from {{ ref('int_vocabulary') }}

),

ranked as (

    select * from {{ ref('int_eligibility_ranked') }}

),

candidate_reasons as (

    select
        reason_code,
        cardinality(string_to_array(reasons, ',')) as reasons_of_candidate

    from ranked
    cross join unnest(string_to_array(reasons, ',')) as reason_code

),

counted as (

    select
        reason_code,
        count(*) as candidates_with_reason,
        count(*) filter (where reasons_of_candidate = 1) as candidates_with_only_this_reason

    from candidate_reasons

    group by reason_code

),

totals as (

    select count(*) as candidate_count

    from ranked

),

final as (

    select
        reason_codes.reason_code,
        reason_codes.rule_order,
        vocabulary.label as reason_label,
        vocabulary.meaning as reason_meaning,
        vocabulary.action as reason_action,
        coalesce(counted.candidates_with_reason, 0) as candidates_with_reason,
        coalesce(counted.candidates_with_only_this_reason, 0) as candidates_with_only_this_reason,
        totals.candidate_count,
        round(
            100.0 * coalesce(counted.candidates_with_reason, 0) / nullif(totals.candidate_count, 0), 1
        ) as percent_of_candidates

    from reason_codes
    inner join vocabulary
        on vocabulary.domain = 'eligibility_reason' and reason_codes.reason_code = vocabulary.code
    cross join totals
    left join counted
        on reason_codes.reason_code = counted.reason_code

)

select * from final
