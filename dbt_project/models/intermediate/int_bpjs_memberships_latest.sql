{{ config(materialized='view') }}

-- The latest BPJS membership check (whatever its date): whether a waiting-list candidate is
-- covered by another payer now (ALREADY_COVERED re-checked for replacements).
with

memberships as (

    select * from {{ ref('stg_bpjs__memberships') }}

    where batch_id = {{ latest_batch('bpjs_kepesertaan') }}

)

select * from memberships
