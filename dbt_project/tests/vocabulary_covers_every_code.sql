-- Every code the warehouse emits has an entry in the vocabulary (seed codes, through
-- int_vocabulary), so no reader ever meets a bare code where a label belongs. Fails with each
-- (domain, code) that has none.
with

emitted as (

    select distinct
        'reconciliation_category' as vocabulary_domain,
        category as code
    from {{ ref('int_reconciliation_categorised') }}

    union all

    select distinct
        'eligibility_reason' as vocabulary_domain,
        reason_code as code
    from {{ ref('int_eligibility_ranked') }}
    cross join unnest(string_to_array(reasons, ',')) as reason_code

    union all

    select distinct
        'enrollment_status' as vocabulary_domain,
        status as code
    from {{ ref('enrollment') }}

    union all

    select distinct
        'exit_reason' as vocabulary_domain,
        exit_reason as code
    from {{ ref('enrollment') }}
    where exit_reason is not null

    union all

    select distinct
        'participant_source' as vocabulary_domain,
        source as code
    from {{ ref('enrollment') }}

    union all

    select distinct
        'binding_constraint' as vocabulary_domain,
        binding_constraint as code
    from {{ ref('policy_scenarios') }}

    union all

    select distinct
        'scenario' as vocabulary_domain,
        scenario as code
    from {{ ref('policy_scenarios') }}

    union all

    select distinct
        'replacement_limit' as vocabulary_domain,
        replacement_limit as code
    from {{ ref('replacement_capacity') }}

    union all

    select distinct
        'quarantine_reason' as vocabulary_domain,
        reason_code as code
    from {{ ref('quarantined_payment_lines') }}

    union all

    select distinct
        'age_band' as vocabulary_domain,
        age_band as code
    from {{ ref('int_person_status_facts') }}

    union all

    select distinct
        'informal_category' as vocabulary_domain,
        kategori_informal as code
    from {{ ref('pekerjaan_informal') }}

),

vocabulary as (

    select * from {{ ref('int_vocabulary') }}

)

select
    emitted.vocabulary_domain,
    emitted.code

from emitted
left join vocabulary
    on emitted.vocabulary_domain = vocabulary.domain and emitted.code = vocabulary.code

where vocabulary.code is null
