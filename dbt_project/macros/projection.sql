{#
    The year-end projection of program-rules.md section 6, defined once, over a relation of
    participant months (`held`: one row per participant and covered month in which they hold a
    slot, with is_active; int_enrollment_decided_months or int_enrollment_months) as of `basis`
    (an SQL expression: the latest month with payment data, or null before any).

    projected_months: the participant-months the projection counts after the basis: the
    participants active in the basis month x the covered months after it (`calendar`,
    int_program_calendar); before any payment data, every month a participant is enrolled for.
    projection = cumulative paid to the basis + monthly premium x projected_months.

    committed_months: the months of slots held after the basis that the projection does not count:
    those of participants not active in the basis month (not registered yet, or their slot starts
    later); before any payment data, every held month not enrolled yet. The headroom left for
    replacement calls is budget - projection - premium x committed_months
    (docs/decisions/budget-and-capacity.md, "Headroom, without circularity").
#}
{% macro projected_months(held, calendar, basis) -%}
    case
        when {{ basis }} is null
            then (select count(*) from {{ held }} as months_held where months_held.is_active)
        else
            (
                select count(*) from {{ held }} as months_held
                where months_held.period = {{ basis }} and months_held.is_active
            )
            * (select months.months_after from {{ calendar }} as months where months.period = {{ basis }})
    end
{%- endmacro %}

{% macro committed_months(held, basis) -%}
    case
        when {{ basis }} is null
            then (select count(*) from {{ held }} as months_held where not months_held.is_active)
        else (
            select count(*) from {{ held }} as months_held
            where
                months_held.period > {{ basis }}
                and not exists (
                    select 1 from {{ held }} as at_basis
                    where at_basis.nik = months_held.nik and at_basis.period = {{ basis }} and at_basis.is_active
                )
        )
    end
{%- endmacro %}
