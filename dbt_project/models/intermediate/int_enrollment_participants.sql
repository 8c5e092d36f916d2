-- The participants (program-rules.md section 5): those already decided (int_enrollment_decided:
-- the selected and the ledger's calls) and the replacements this run calls
-- (int_enrollment_new_calls), one row each with the same enrollment (the enrollment_facts macro):
-- a replacement is never enrolled before the first month of their slot.
with

decided as (

    select * from {{ ref('int_enrollment_decided') }}

),

new_calls as (

    select * from {{ ref('int_enrollment_new_calls') }}

    where nik is not null

),

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

basis as (

    select * from {{ ref('int_budget_basis') }}

),

people as (

    select
        new_calls.nik,
        'REPLACEMENT' as source,  -- noqa: RF04
        new_calls.priority_rank,
        ranked.kode_kelurahan as kode_kelurahan_fallback,
        new_calls.slot_start_month as first_month

    from new_calls
    inner join ranked
        on new_calls.nik = ranked.nik

),

called_now as (

    {{ enrollment_facts('people', 'memberships', 'residents', 'wilayah') }}

),

final as (

    select
        decided.*,
        false as is_new_call

    from decided

    union all

    select
        called_now.*,
        new_calls.call_order,
        new_calls.waitlist_rank,
        new_calls.slot_key,
        new_calls.slot_source,
        new_calls.frees_nik as replaces_nik,
        new_calls.freed_month,
        new_calls.freed_rank,
        new_calls.slot_start_month,
        new_calls.slot_cost_idr,
        basis.latest_payment_period as called_in_data_month,
        cast(null as bigint) as called_in_version,
        true as is_new_call

    from called_now
    inner join new_calls
        on called_now.nik = new_calls.nik
    cross join basis

)

select * from final
