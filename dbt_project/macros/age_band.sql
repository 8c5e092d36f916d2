{#- Age in bands for BI marts, which must not carry exact dates of birth: ten-year bands
    from 25, with the programme's own bounds (min_age, max_age) closing the youngest and
    oldest bands, so a dashboard can tell who is inside the age rule. The result is a code
    of the vocabulary's age_band domain (UNDER_MIN, MIN_24, 25_34, ..., 55_MAX, OVER_MAX,
    UNKNOWN); ops.vocabulary has its label ("di atas 65 tahun"). -#}
{% macro age_band(age) -%}
    case
        when {{ age }} is null then 'UNKNOWN'
        when {{ age }} < {{ var('min_age') }} then 'UNDER_MIN'
        when {{ age }} > {{ var('max_age') }} then 'OVER_MAX'
        when {{ age }} < 25 then 'MIN_24'
        when {{ age }} >= 55 then '55_MAX'
        else (25 + ({{ age }} - 25) / 10 * 10) || '_' || (34 + ({{ age }} - 25) / 10 * 10)
    end
{%- endmacro %}
