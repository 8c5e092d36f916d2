{{ config(materialized='view') }}

-- The BPJS membership check in force on the selection date (possibly several
-- memberships per NIK).
with

memberships as (

    select * from {{ ref('stg_bpjs__memberships') }}

    where batch_id = {{ latest_batch('bpjs_kepesertaan', var('selection_date')) }}

)

select * from memberships
