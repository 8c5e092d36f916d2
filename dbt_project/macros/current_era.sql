{#
    The rows of a ledger table (history.<table>, migration V022) that this build continues:
    those of the latest era. None when the build starts a new era (run switch ledger_fresh:
    a `--reselect`, or a cohort nobody is enrolled in or called for yet, which still follows
    the data; rentan.wap.cohort). Used by the stg_history__* models only.
#}
{% macro current_era_rows(table) -%}
    select ledger.*
    from {{ source('history', table) }} as ledger
    where
        ledger.era = (select max(eras.era) from {{ source('history', 'eras') }} as eras)
        and not {{ run_switch('ledger_fresh', false) }}
{%- endmacro %}
