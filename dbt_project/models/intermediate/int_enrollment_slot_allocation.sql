{#-
    The stages are unrolled at compile time, one per possible first month of a slot
    (coverage_start_month .. coverage_end_month of the parameter vars). -#}
{%- set first = (var('coverage_start_month') | string).split('-') -%}
{%- set last = (var('coverage_end_month') | string).split('-') -%}
{%- set stages = (last[0] | int - first[0] | int) * 12 + last[1] | int - first[1] | int + 1 -%}

-- Who fills each freed slot (program-rules.md section 5): one row per slot, filled or not.
-- Slots are taken in the order they were freed (freed_month, then freed_rank: the exited
-- person's priority_rank), one replacement each: the next waitlisted person, in waiting-list
-- order, who is still eligible by the latest snapshots (int_enrollment_waitlist_recheck) and
-- alive on the first day of the slot. A person passed over is never called later (a death
-- does not undo itself), and keeps their rank.
-- Budget: each call costs the monthly premium x the covered months of its slot after the
-- latest month with payment data; calls consume the headroom before replacements
-- (int_enrollment_replacement_headroom) in call order, and allocation stops at the first
-- slot that does not fit.
-- The chain: a called replacement whose death the latest Dukcapil records frees a slot from
-- the month after their death. All slots freed in one month start the next month, and a
-- replacement dies at the earliest in their slot's first month, so the slots are processed
-- month by month (one stage each): a stage sees every slot of its month.
with

freed_slots as (

    select * from {{ ref('int_enrollment_freed_slots') }}

),

waitlist as (

    select * from {{ ref('int_enrollment_waitlist_recheck') }}

),

headroom as (

    select * from {{ ref('int_enrollment_replacement_headroom') }}

),

parameters as (

    select * from {{ ref('int_program_parameters') }}

),

stages as (

    select
        series.stage,
        cast(parameters.coverage_start_month + series.stage * interval '1 month' as date) as slot_start_month,
        cast(headroom.latest_payment_period + interval '1 month' as date) as first_unpaid_month,
        parameters.coverage_end_month,
        headroom.monthly_premium_idr

    from parameters
    cross join headroom
    cross join generate_series(0, {{ stages - 1 }}) as series (stage)

),

stage_months as (

    -- A slot's cost: the premium of its covered months after the latest payment data.
    select
        costed.stage,
        costed.slot_start_month,
        costed.monthly_premium_idr * greatest(
            0,
            12 * (extract(year from costed.coverage_end_month) - extract(year from costed.paid_from))
            + extract(month from costed.coverage_end_month) - extract(month from costed.paid_from) + 1
        ) as slot_cost_idr

    from (
        select
            *,
            greatest(slot_start_month, first_unpaid_month) as paid_from
        from stages
        where slot_start_month <= coverage_end_month
    ) as costed

),

dying as (

    select count(*) as waitlisted

    from waitlist

    where is_eligible_while_alive and died_on is not null

),

callable as (

    -- Enough of the waiting list for every stage: each slot takes one person or passes over
    -- one who died, so no stage reaches beyond slots + 2 x the dying.
    select
        nik,
        waitlist_rank,
        priority_rank,
        died_on

    from (
        select
            waitlist.nik,
            waitlist.waitlist_rank,
            waitlist.priority_rank,
            waitlist.died_on,
            row_number() over (order by waitlist.waitlist_rank) as candidate_seq
        from waitlist
        where waitlist.is_eligible_while_alive
    ) as eligible

    where
        candidate_seq
        <= (select count(*) as slots from freed_slots) + 2 * (select dying.waitlisted from dying)

),

state_start as (

    select
        0 as pointer_rank,
        headroom.headroom_before_replacements_idr as headroom_left_idr,
        false as is_stopped,
        0 as calls_made

    from headroom

),

-- noqa: disable=LT02
{% for i in range(stages) %}
{%- set previous_state = 'state_start' if i == 0 else 'state_' ~ (i - 1) %}

slots_{{ i }} as (

    select
        freed_slots.slot_source,
        freed_slots.freed_month,
        freed_slots.freed_rank,
        freed_slots.frees_nik,
        freed_slots.slot_start_month

    from freed_slots
    inner join stage_months
        on freed_slots.slot_start_month = stage_months.slot_start_month

    where stage_months.stage = {{ i }}
    {%- if i > 0 %}

    union all

    select
        'EXIT' as slot_source,
        calls_{{ i - 1 }}.exit_month as freed_month,
        calls_{{ i - 1 }}.priority_rank as freed_rank,
        calls_{{ i - 1 }}.nik as frees_nik,
        stage_months.slot_start_month

    from calls_{{ i - 1 }}
    inner join stage_months
        on cast(calls_{{ i - 1 }}.exit_month + interval '1 month' as date) = stage_months.slot_start_month

    where stage_months.stage = {{ i }}
    {%- endif %}

),

ordered_{{ i }} as (

    select
        slots_{{ i }}.*,
        row_number() over (
            order by slots_{{ i }}.freed_month, slots_{{ i }}.freed_rank, slots_{{ i }}.frees_nik
        ) as slot_seq

    from slots_{{ i }}

),

fit_{{ i }} as (

    select
        previous.*,
        stage_months.slot_cost_idr,
        (select count(*) as slots from slots_{{ i }}) as slots

    from {{ previous_state }} as previous
    inner join stage_months
        on stage_months.stage = {{ i }}

),

fitting_{{ i }} as (

    select
        fit.*,
        case
            when fit.is_stopped then 0
            when fit.slot_cost_idr = 0 then fit.slots
            else least(fit.slots, greatest(fit.headroom_left_idr, 0) / fit.slot_cost_idr)
        end as fitting

    from fit_{{ i }} as fit

),

candidates_{{ i }} as (

    select
        callable.*,
        row_number() over (order by callable.waitlist_rank) as candidate_seq

    from callable
    cross join {{ previous_state }} as previous
    inner join stage_months
        on stage_months.stage = {{ i }}

    where
        callable.waitlist_rank > previous.pointer_rank
        and (callable.died_on is null or callable.died_on >= stage_months.slot_start_month)

),

allocated_{{ i }} as (

    select
        ordered.*,
        fit.slot_cost_idr,
        candidates_{{ i }}.nik,
        candidates_{{ i }}.waitlist_rank,
        candidates_{{ i }}.priority_rank,
        candidates_{{ i }}.died_on,
        case
            when candidates_{{ i }}.nik is not null then fit.calls_made + ordered.slot_seq
        end as call_order,
        case
            when candidates_{{ i }}.nik is not null
                then fit.headroom_left_idr - (ordered.slot_seq - 1) * fit.slot_cost_idr
        end as headroom_before_idr,
        case
            when ordered.slot_seq > fit.fitting then 'BUDGET'
            when candidates_{{ i }}.nik is null then 'WAITING_LIST'
        end as unfilled_reason

    from ordered_{{ i }} as ordered
    cross join fitting_{{ i }} as fit
    left join candidates_{{ i }}
        on
            ordered.slot_seq = candidates_{{ i }}.candidate_seq
            and ordered.slot_seq <= fit.fitting

),

state_{{ i }} as (

    select
        coalesce(
            (select max(allocated_{{ i }}.waitlist_rank) from allocated_{{ i }}), fit.pointer_rank
        ) as pointer_rank,
        fit.headroom_left_idr
        - fit.slot_cost_idr * (select count(allocated_{{ i }}.nik) from allocated_{{ i }})
        as headroom_left_idr,
        fit.is_stopped or fit.fitting < fit.slots as is_stopped,
        fit.calls_made + (select count(allocated_{{ i }}.nik) from allocated_{{ i }}) as calls_made

    from fitting_{{ i }} as fit

),

calls_{{ i }} as (

    {%- if i > 0 %}
    select * from calls_{{ i - 1 }}

    union all
    {%- endif %}

    select
        allocated_{{ i }}.nik,
        allocated_{{ i }}.priority_rank,
        cast(date_trunc('month', allocated_{{ i }}.died_on) as date) as exit_month

    from allocated_{{ i }}

    where allocated_{{ i }}.nik is not null

),
{% endfor %}

allocated as (

    {%- for i in range(stages) %}
    select * from allocated_{{ i }}
    {%- if not loop.last %}

    union all
    {% endif %}
    {%- endfor %}

),

-- noqa: enable=LT02
final as (

    select
        cast(row_number() over (
            order by slot_start_month, freed_month, freed_rank, frees_nik
        ) as integer) as slot_order,
        slot_source,
        freed_month,
        freed_rank,
        frees_nik,
        slot_start_month,
        cast(slot_cost_idr as bigint) as slot_cost_idr,
        cast(call_order as integer) as call_order,
        nik,
        waitlist_rank,
        priority_rank,
        died_on,
        cast(headroom_before_idr as bigint) as headroom_before_idr,
        cast(headroom_before_idr - slot_cost_idr as bigint) as headroom_after_idr,
        unfilled_reason

    from allocated

)

select * from final
