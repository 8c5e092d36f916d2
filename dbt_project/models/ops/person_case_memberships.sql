{{ config(indexes=[{'columns': ['nik']}]) }}

-- Every BPJS Ketenagakerjaan membership of the snapshot in force on the selection date and
-- of the latest snapshot (one row per membership line; a line of a batch that is both is
-- listed once): who pays (sumber_iuran) and whether it is active. For `rentan explain`;
-- the rule that reads them is ALREADY_COVERED in int_eligibility_reasons.
with

at_selection as (

    select * from {{ ref('int_bpjs_memberships_at_selection') }}

),

latest as (

    select * from {{ ref('int_bpjs_memberships_latest') }}

),

parameters as (

    select * from {{ ref('int_program_parameters') }}

),

selection_batch as (

    select max(batch_id) as selection_batch_id from at_selection

),

latest_batch as (

    select max(batch_id) as latest_batch_id from latest

),

snapshots as (

    select
        selection_batch.selection_batch_id,
        latest_batch.latest_batch_id

    from selection_batch
    cross join latest_batch

),

memberships as (

    select * from at_selection

    union all

    select latest.* from latest
    cross join snapshots

    where latest.batch_id is distinct from snapshots.selection_batch_id

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

)

select * from final
