{{ config(materialized='view') }}

-- The civil-registry snapshot in force on the selection date: one row per NIK (the
-- loader quarantines both rows of a NIK that appears twice in one file).
with

residents as (

    select * from {{ ref('stg_dukcapil__residents') }}

    where batch_id = {{ latest_batch('dukcapil', var('selection_date')) }}

)

select * from residents
