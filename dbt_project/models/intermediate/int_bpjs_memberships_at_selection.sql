-- The BPJS membership check in force on the selection date (possibly several
-- memberships per NIK). A table, not a view: an incremental build that rebuilds
-- stg_bpjs__memberships for a later snapshot leaves it as it is (a view on it would be
-- dropped with the staging view it reads; rentan.transform.incremental).
with

memberships as (

    select * from {{ ref('stg_bpjs__memberships') }}

    where batch_id = {{ latest_batch('bpjs_kepesertaan', var('selection_date')) }}

)

select * from memberships
