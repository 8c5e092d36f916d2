{#
    A business invariant next to a model: the test fails on every row where
    `expression` is not true (dbt_utils' test of the same name, without the package).
    Narrow it with the standard `config: where:` of data tests.
#}
{% test expression_is_true(model, expression) %}
    select *
    from {{ model }}
    where not coalesce(({{ expression }}), false)
{% endtest %}
