-- The vocabulary with its parameters filled in: every code the warehouse emits with its
-- Bahasa Indonesia label, meaning and action (seed vocabulary), the {parameter} placeholders
-- filled in with this version's parameters ("di atas 65 tahun", "sebelum tanggal 15"). The workbook, the
-- PDF and `rentan explain` read it as ops.vocabulary; the models join it for their labels.
with

vocabulary as (

    select * from {{ ref('codes') }}

),

parameters as (

    select * from {{ ref('int_program_parameters') }}

),

final as (

    select
        vocabulary.domain,
        vocabulary.code,
        vocabulary.sort_order,
        {{ fill_parameters('vocabulary.label', 'parameters') }} as label,  -- noqa: RF04
        {{ fill_parameters('vocabulary.meaning', 'parameters') }} as meaning,
        {{ fill_parameters('vocabulary.action', 'parameters') }} as action  -- noqa: RF04

    from vocabulary
    cross join parameters

)

select * from final
