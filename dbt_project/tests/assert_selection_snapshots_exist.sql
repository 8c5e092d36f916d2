-- Eligibility needs a DTSEN, a Dukcapil and a BPJS membership snapshot dated on or
-- before the selection date. Without one every candidate would silently fail (or pass)
-- a rule, so the build fails instead, naming the missing feed.
with

feeds as (

    select 'dtsen' as feed, {{ latest_batch('dtsen', var('selection_date')) }} as batch_id
    union all
    select 'dukcapil' as feed, {{ latest_batch('dukcapil', var('selection_date')) }} as batch_id
    union all
    select
        'bpjs_kepesertaan' as feed,
        {{ latest_batch('bpjs_kepesertaan', var('selection_date')) }} as batch_id

)

select feed from feeds

where batch_id is null
