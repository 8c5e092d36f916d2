{#
    The grain of a model: no two rows share the values of `columns` (dbt_utils'
    unique_combination_of_columns, without the package). Fails on every duplicated key.
#}
{% test unique_combination(model, columns) %}
    select
        {{ columns | join(', ') }},
        count(*) as rows_with_key
    from {{ model }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{% endtest %}
