-- The eight reconciliation categories of program-rules.md section 7 in their precedence
-- (1 = checked first), from the vocabulary seed. The rule itself lives in
-- int_reconciliation_categorised; labels are read from ops.vocabulary.
with

vocabulary as (

    select * from {{ ref('codes') }}

),

final as (

    select
        code as category,
        sort_order as precedence

    from vocabulary

    where domain = 'reconciliation_category'

)

select * from final
