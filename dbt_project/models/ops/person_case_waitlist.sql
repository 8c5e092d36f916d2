{{ config(indexes=[{'columns': ['nik'], 'unique': true}]) }}

-- Where each wait-listed candidate stands (program-rules.md section 5): still eligible by
-- the latest snapshots or skipped (keeping their rank), called as a replacement (which
-- call, whose slot, from which month: ops.replacement_list) or not,
-- and, for the still-eligible not yet called, how many of them are ahead and so how many
-- slots must free up before their turn (theirs included). Freed slots are filled in
-- waiting-list order by the still-eligible, one replacement per slot.
with

waitlist as (

    select * from {{ ref('int_enrollment_waitlist_recheck') }}

),

replacements as (

    select * from {{ ref('replacement_list') }}

),

called as (

    select
        waitlist.*,
        replacements.nik is not null as is_called,
        waitlist.is_still_eligible and replacements.nik is null as is_waiting,
        replacements.call_order,
        replacements.replaces_nik,
        replacements.slot_start_month,
        replacements.is_registered

    from waitlist
    left join replacements
        on waitlist.nik = replacements.nik

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
        is_registered

    from queued

)

select * from final
