-- The participants (program-rules.md section 5): the selected people (int_enrollment_selected)
-- and the called replacements (int_enrollment_slot_allocation), one row each, with the same
-- enrollment (the enrollment_facts macro): a replacement is never enrolled before the first
-- month of their slot. source says which; a replacement also carries the slot it fills.
with

selected as (

    select * from {{ ref('int_enrollment_selected') }}

),

allocation as (

    select * from {{ ref('int_enrollment_slot_allocation') }}

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

people as (

    select
        allocation.nik,
        'REPLACEMENT' as source,  -- noqa: RF04
        allocation.priority_rank,
        ranked.kode_kelurahan as kode_kelurahan_fallback,
        allocation.slot_start_month as first_month

    from allocation
    inner join ranked
        on allocation.nik = ranked.nik

),

programme_kpj as (

    select * from memberships

    where kpj_order = 1

),

replacements as (

    {{ enrollment_facts('people') }}

),

participants as (

    select
        selected.*,
        cast(null as integer) as call_order,
        cast(null as text) as replaces_nik,
        cast(null as date) as slot_start_month

    from selected

    union all

    select
        replacements.*,
        allocation.call_order,
        allocation.frees_nik as replaces_nik,
        allocation.slot_start_month

    from replacements
    inner join allocation
        on replacements.nik = allocation.nik

)

select * from participants
