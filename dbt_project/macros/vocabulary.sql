{#- A vocabulary text with its {parameter} placeholders replaced by this version's
    parameters (`parameters`: the caller's name for int_program_parameters; bi_min_group_size
    is read where the BI marts read it, macro bi_min_group_size). -#}
{% macro fill_parameters(text, parameters) -%}
    {%- set names = [
        'min_age', 'max_age', 'max_desil', 'payment_due_day', 'unpaid_flag_months',
        'bpjs_lapse_months', 'kode_kota', 'program_payer_code',
    ] -%}
    {%- set ns = namespace(expr=text) -%}
    {%- for name in names -%}
        {%- set ns.expr = "replace(" ~ ns.expr ~ ", '{" ~ name ~ "}', cast(" ~ parameters ~ "." ~ name ~ " as text))" -%}
    {%- endfor -%}
    replace({{ ns.expr }}, '{bi_min_group_size}', cast({{ bi_min_group_size() }} as text))
{%- endmacro %}


{#- The smallest group a BI cell may tie to a sensitive attribute (death, desil, exclusion
    reason, payment category): program-rules.md section 1, marts.md. -#}
{% macro bi_min_group_size() -%}
    cast({{ var('bi_min_group_size') }} as integer)
{%- endmacro %}


{#- True when a count describes a group too small to show next to a sensitive attribute:
    more than nobody and fewer than bi_min_group_size people. -#}
{% macro is_small_group(count) -%}
    ({{ count }} > 0 and {{ count }} < {{ bi_min_group_size() }})
{%- endmacro %}


{#- A whole number as Indonesian text, thousands separated by dots: 2.000.000.000. -#}
{% macro id_number(value) -%}
    replace(to_char({{ value }}, 'FM999,999,999,999,999,990'), ',', '.')
{%- endmacro %}


{#- A month as Indonesian text ("Oktober 2026"), its name from the vocabulary (domain month),
    joined as `alias`; `month` is a date. -#}
{% macro id_month(month, alias) -%}
    {{ alias }}.label || ' ' || extract(year from {{ month }})
{%- endmacro %}


{#- One pass of secondary suppression (marts.md: no small group): from `source`, whose rows
    carry `is_hidden`, hide one more row in every set (`partition_by`) where exactly one row
    is hidden: the first by `order_by` among the shown (the smallest), so the hidden one
    cannot be worked out from the set's total. Selects `columns` and the new is_hidden. -#}
{% macro hide_lonely_cells(source, columns, partition_by, order_by) -%}
    select
        {{ columns | join(', ') }},
        is_hidden or (
            count(*) filter (where is_hidden) over (partition by {{ partition_by }}) = 1
            and row_number() over (partition by {{ partition_by }} order by is_hidden, {{ order_by }}) = 1
        ) as is_hidden

    from {{ source }}
{%- endmacro %}


{#- A month as the dashboards' axes write it, "Okt 2026" (short names from the vocabulary's
    month_short domain), and a number that sorts months in order (year * 12 + month). -#}
{% macro month_label(month) -%}
    (
        select short_month.label
        from {{ ref('int_vocabulary') }} as short_month
        where short_month.domain = 'month_short' and short_month.code = cast(extract(month from {{ month }}) as text)
    ) || ' ' || extract(year from {{ month }})
{%- endmacro %}


{% macro month_order(month) -%}
    cast(extract(year from {{ month }}) * 12 + extract(month from {{ month }}) as integer)
{%- endmacro %}
