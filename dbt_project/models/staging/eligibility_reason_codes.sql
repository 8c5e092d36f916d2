-- The eligibility reason codes of program-rules.md section 3 in the rulebook's order, from
-- the vocabulary seed, so a chart can list every code, also those nobody fails. The rules
-- themselves live in int_eligibility_reasons; labels are read from ops.vocabulary.
with

vocabulary as (

    select * from {{ ref('codes') }}

),

final as (

    select
        code as reason_code,
        sort_order as rule_order

    from vocabulary

    where domain = 'eligibility_reason'

)

select * from final
