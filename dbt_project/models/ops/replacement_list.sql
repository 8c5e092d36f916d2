{{ config(indexes=[{'columns': ['nik'], 'unique': true}]) }}

-- The replacement list (marts.md contract, program-rules.md section 5): one row per called
-- replacement of the era, in call order: the calls of the ledger, which stand whatever later
-- deliveries say, and this version's new calls (is_new_call, appended to the ledger when it is
-- published). The slot each fills and whether BPJS has registered them; then what officers
-- need to send the list to BPJS and follow it up, and when and at what cost each call was made.
with

participants as (

    select * from {{ ref('int_enrollment_participants') }}

    where source = 'REPLACEMENT'

),

final as (

    select
        ---------- contract (marts.md)
        call_order,
        nik,
        waitlist_rank,
        replaces_nik,
        slot_start_month,
        kpj is not null as is_registered,

        ---------- who and where (latest Dukcapil)
        priority_rank,
        nama,
        kode_kelurahan,
        nama_kelurahan,
        kode_kecamatan,
        nama_kecamatan,

        ---------- enrollment now
        kpj,
        status,
        enrolled_month,
        exit_month,
        died_on,

        ---------- the slot and the call
        freed_month,
        freed_rank,
        slot_source,
        slot_key,
        slot_cost_idr,
        called_in_data_month,
        called_in_version,
        is_new_call

    from participants

)

select * from final
