-- The selected participants (program-rules.md sections 4 and 5): one row per selected
-- person with their enrollment (the enrollment_facts macro, shared with the replacements):
-- programme KPJ, enrolled month (never before coverage_start_month), status and exit. Their
-- exits free the slots the replacements fill; their enrollment is the budget before any
-- replacement.
with

ranked as (

    select * from {{ ref('int_eligibility_ranked') }}

),

memberships as (

    select * from {{ ref('int_enrollment_program_memberships') }}

),

residents as (

    select * from {{ ref('int_dukcapil_residents_latest') }}

),

wilayah as (

    select * from {{ ref('wilayah_kota_bekasi') }}

),

parameters as (

    select * from {{ ref('int_program_parameters') }}

),

people as (

    select
        ranked.nik,
        'SELECTED' as source,  -- noqa: RF04
        ranked.priority_rank,
        ranked.kode_kelurahan as kode_kelurahan_fallback,
        parameters.coverage_start_month as first_month

    from ranked
    cross join parameters

    where ranked.is_selected

),

programme_kpj as (

    select * from memberships

    where kpj_order = 1

),

final as (

    {{ enrollment_facts('people') }}

)

select * from final
