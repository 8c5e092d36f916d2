{{ config(indexes=[{'columns': ['nik']}]) }}

-- Every BPJS Ketenagakerjaan membership of the snapshot in force on the selection date and
-- of the latest snapshot (one row per membership line and snapshot; the two are one batch
-- when no check came later): who pays (sumber_iuran) and whether it is active. For
-- `rentan explain`; the rule that reads them is ALREADY_COVERED in int_eligibility_reasons.
with

memberships as (

    select * from {{ ref('stg_bpjs__memberships') }}

),

parameters as (

    select * from {{ ref('int_program_parameters') }}

),

snapshots as (

    select
        {{ latest_batch('bpjs_kepesertaan', var('selection_date')) }} as selection_batch_id,
        {{ latest_batch('bpjs_kepesertaan') }} as latest_batch_id

),

final as (

    select
        memberships.nik,
        memberships.snapshot_date,
        memberships.batch_id = snapshots.selection_batch_id as is_selection_snapshot,
        memberships.batch_id = snapshots.latest_batch_id as is_latest_snapshot,
        memberships.kpj,
        memberships.segmen,
        memberships.sumber_iuran,
        memberships.sumber_iuran = parameters.program_payer_code as is_program_payer,
        memberships.status_kepesertaan,
        memberships.tgl_kepesertaan,
        memberships.tgl_nonaktif,
        memberships.batch_id,
        memberships.line_no

    from memberships
    cross join snapshots
    cross join parameters

    where memberships.batch_id in (snapshots.selection_batch_id, snapshots.latest_batch_id)

)

select * from final
