{#
    Incremental builds (plugins/rentan/transform/incremental.py): an ops or marts model that this
    run does not rebuild is carried over from the published schema as a view in the build
    schema (ops_build.x reads ops.x), so the run's models and checks see one whole build;
    the publish step then keeps the published table. Only when the run switch carry_over is true (macro run_switch).
    The hook's connection may have lost the profile's SET ROLE to a rollback: set it again,
    so the views belong to the warehouse's owner like every other relation.
#}
{% macro carry_over_unselected() %}
    {%- if execute and run_switch('carry_over', false) -%}
        {%- set suffix = var('build_schema_suffix') -%}
        {%- if target.role %}
            set role {{ adapter.quote(target.role) }};
        {%- endif -%}
        {%- for node in graph.nodes.values() -%}
            {%- if node.resource_type == 'model' and node.unique_id not in selected_resources
                and suffix and node.schema in ('ops' ~ suffix, 'marts' ~ suffix) %}
                create schema if not exists {{ adapter.quote(node.schema) }};
                create view {{ adapter.quote(node.schema) }}.{{ adapter.quote(node.alias) }} as
                select * from {{ adapter.quote(node.schema[:-(suffix | length)]) }}.{{ adapter.quote(node.alias) }};
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}
