-- The vocabulary for the officers' and the finance office's tools (rentan explain, the
-- workbook, the PDF): every code the warehouse emits with its Bahasa Indonesia label,
-- meaning and action, this version's parameters filled in (int_vocabulary).
with

vocabulary as (

    select * from {{ ref('int_vocabulary') }}

),

final as (

    select
        domain,
        code,
        sort_order,
        label,
        meaning,
        action

    from vocabulary

)

select * from final
