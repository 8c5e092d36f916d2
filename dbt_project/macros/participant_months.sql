{#
    Who holds a slot and who is paid for, month by month (program-rules.md sections 5-7),
    defined once. `participant` and `month` are the calling model's names for a participant
    row (holding_from, enrolled_month, exit_month) and a month (a date).
    holds_slot_in: from the slot's first month through the month of exit, registered or not
    (the quota counts them). is_active_in: enrolled_month <= m and not exited before m
    (coverage runs through the month of death): the months the programme pays for.
#}
{% macro holds_slot_in(participant, month) -%}
    ({{ participant }}.holding_from <= {{ month }}
    and ({{ participant }}.exit_month is null or {{ participant }}.exit_month >= {{ month }}))
{%- endmacro %}

{% macro is_active_in(participant, month) -%}
    coalesce({{ participant }}.enrolled_month <= {{ month }}
    and ({{ participant }}.exit_month is null or {{ participant }}.exit_month >= {{ month }}), false)
{%- endmacro %}

{#
    One row per covered month a participant of `participants` holds a slot in, with whether the
    programme pays for it (is_active) and the premium expected then: the one definition of a
    participant's months. `calendar` and `parameters` are the calling model's
    int_program_calendar and int_program_parameters.
#}
{% macro held_months(participants, calendar, parameters) -%}
    select
        {{ calendar }}.period,
        {{ participants }}.nik,
        {{ participants }}.kpj,
        {{ is_active_in(participants, calendar ~ '.period') }} as is_active,
        case
            when {{ is_active_in(participants, calendar ~ '.period') }} then {{ parameters }}.monthly_premium_idr
            else 0
        end as expected_idr
    from {{ participants }}
    cross join {{ parameters }}
    inner join {{ calendar }}
        on {{ calendar }}.is_covered and {{ holds_slot_in(participants, calendar ~ '.period') }}
{%- endmacro %}
