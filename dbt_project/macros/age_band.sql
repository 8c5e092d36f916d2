{#- Age in bands for BI marts, which must not carry exact dates of birth: ten-year bands
    from 25, with the programme's own bounds (min_age, max_age) closing the youngest and
    oldest bands, so a dashboard can tell who is inside the age rule. -#}
{% macro age_band(age) -%}
    case
        when {{ age }} is null then null
        when {{ age }} < {{ var('min_age') }} then 'under ' || {{ var('min_age') }}
        when {{ age }} > {{ var('max_age') }} then 'over ' || {{ var('max_age') }}
        when {{ age }} < 25 then {{ var('min_age') }} || '-24'
        when {{ age }} >= 55 then '55-' || {{ var('max_age') }}
        else (25 + ({{ age }} - 25) / 10 * 10) || '-' || (34 + ({{ age }} - 25) / 10 * 10)
    end
{%- endmacro %}
