{{ config(indexes=[{'columns': ['nik'], 'unique': true}]) }}

-- The replacement list (marts.md contract, program-rules.md section 5): one row per called
-- replacement, in call order, with the slot they fill and whether BPJS has registered them;
-- then what officers need to send the list to BPJS and follow it up, and the budget
-- arithmetic of each call.
with

allocation as (

    select * from {{ ref('int_enrollment_slot_allocation') }}

),

participants as (

    select * from {{ ref('int_enrollment_participants') }}

),

final as (

    select
        ---------- contract (marts.md)
        allocation.call_order,
        allocation.nik,
        allocation.waitlist_rank,
        allocation.frees_nik as replaces_nik,
        allocation.slot_start_month,
        participants.kpj is not null as is_registered,

        ---------- who and where (latest Dukcapil)
        allocation.priority_rank,
        participants.nama,
        participants.kode_kelurahan,
        participants.nama_kelurahan,
        participants.kode_kecamatan,
        participants.nama_kecamatan,

        ---------- enrollment now
        participants.kpj,
        participants.status,
        participants.enrolled_month,
        participants.exit_month,
        participants.died_on,

        ---------- the slot and its cost
        allocation.freed_month,
        allocation.slot_source,
        allocation.slot_cost_idr,
        allocation.headroom_before_idr,
        allocation.headroom_after_idr

    from allocation
    inner join participants
        on allocation.nik = participants.nik

)

select * from final
