{{ config(indexes=[{'columns': ['nik'], 'unique': true}]) }}

-- The civil-registry snapshot in force on the selection date: one row per NIK (the
-- loader quarantines both rows of a NIK that appears twice in one file). A table, not a
-- view: eligibility, the registration list and person_status all join it on nik, and a
-- view would type 2.6 M staged rows again for each of them.
with

residents as (

    select * from {{ ref('stg_dukcapil__residents') }}

    where batch_id = {{ latest_batch('dukcapil', var('selection_date')) }}

)

select * from residents
