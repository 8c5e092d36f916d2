{#
    A model's custom schema is used verbatim (staging, intermediate, ops, marts),
    not prefixed with the target schema.

    Write-audit-publish: when var('build_schema_suffix') is set (e.g. "_build"),
    the BI-facing schemas ops and marts get the suffix (ops_build, marts_build);
    the publish step swaps them in only after every check passed. Staging and
    intermediate are internal and are always built in place.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set schema_name = (custom_schema_name or target.schema) | trim -%}
    {%- if schema_name in ('ops', 'marts') -%}
        {{ schema_name ~ var('build_schema_suffix', '') }}
    {%- else -%}
        {{ schema_name }}
    {%- endif -%}
{%- endmacro %}
