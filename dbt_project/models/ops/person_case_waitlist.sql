{{ config(indexes=[{'columns': ['nik'], 'unique': true}]) }}

-- Where each wait-listed candidate stands (program-rules.md section 5): called as a replacement
-- (which call, whose slot, from which month: ops.replacement_list), or still eligible by the
-- latest snapshots and waiting, or not eligible now (skipped at each slot, keeping their rank).
-- For the waiting, how many are ahead of them and so how many slots must free up before their
-- turn (theirs included): the calls take the waiting in rank order, so the first waiting person
-- is the one the next slot calls.
with

latest as (

    select * from {{ ref('int_eligibility_latest') }}

),

replacements as (

    select * from {{ ref('replacement_list') }}

),

skips as (

    select
        nik,
        cast(count(*) as integer) as times_skipped,
        max(call_order) as last_skipped_for_call

    from {{ ref('replacement_skips') }}

    group by nik

),

called as (

    select
        latest.*,
        replacements.nik is not null as is_called,
        latest.is_still_eligible and replacements.nik is null as is_waiting,
        replacements.call_order,
        replacements.replaces_nik,
        replacements.slot_start_month,
        replacements.is_registered,
        coalesce(skips.times_skipped, 0) as times_skipped,
        skips.last_skipped_for_call

    from latest
    left join replacements
        on latest.nik = replacements.nik
    left join skips
        on latest.nik = skips.nik

),

queued as (

    select
        *,
        coalesce(
            count(*) filter (where is_waiting) over (
                order by waitlist_rank
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as waiting_ahead

    from called

),

final as (

    select
        nik,
        waitlist_rank,
        priority_rank,
        is_still_eligible,
        recheck_reasons,
        is_called,
        is_waiting,
        case when is_waiting then waiting_ahead end as waiting_ahead,
        case when is_waiting then waiting_ahead + 1 end as slots_to_free,
        call_order,
        replaces_nik,
        slot_start_month,
        is_registered,
        times_skipped,
        last_skipped_for_call

    from queued

)

select * from final
