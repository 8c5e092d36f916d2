{#
    The months a participant is paid for (program-rules.md sections 5-7), defined once:
    month m of `months` (int_program_months, the covered months) when enrolled_month <= m
    and the participant did not exit before m (coverage runs through the month of death).
    `participants` and `months` are the calling model's CTEs.
#}
{% macro participant_months(participants='participants', months='months') -%}
    {{ participants }}.enrolled_month <= {{ months }}.period
    and ({{ participants }}.exit_month is null or {{ participants }}.exit_month >= {{ months }}.period)
{%- endmacro %}
