-- The participants already decided on (program-rules.md section 5): the selected cohort and
-- the replacements this era's published versions called (the ledger, stg_history__calls),
-- one row each with their enrollment (the enrollment_facts macro). A call stands: later
-- deliveries never remove anyone here; only a recorded death ends participation (EXITED)
-- and frees the slot. What a run adds are int_enrollment_new_calls.
with

ranked as (

    select * from {{ ref('int_eligibility_ranked') }}

),

calls as (

    select * from {{ ref('stg_history__calls') }}

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

    union all

    select
        calls.nik,
        'REPLACEMENT' as source,  -- noqa: RF04
        calls.priority_rank,
        ranked.kode_kelurahan as kode_kelurahan_fallback,
        calls.slot_start_month as first_month

    from calls
    left join ranked
        on calls.nik = ranked.nik

),

enrolled as (

    {{ enrollment_facts('people', 'memberships', 'residents', 'wilayah') }}

),

final as (

    select
        enrolled.*,
        calls.call_order,
        calls.waitlist_rank,
        calls.slot_key,
        calls.slot_source,
        calls.replaces_nik,
        calls.freed_month,
        calls.freed_rank,
        calls.slot_start_month,
        calls.slot_cost_idr,
        calls.data_month as called_in_data_month,
        calls.published_version as called_in_version

    from enrolled
    left join calls
        on enrolled.nik = calls.nik

)

select * from final
