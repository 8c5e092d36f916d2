{#
    Post-hook of every intermediate, ops and marts model (dbt_project.yml): a table just
    built has no planner statistics until autovacuum gets to it, and the next model joins
    it at once; without them the planner guesses row counts and distinct values (and
    chose nested loops and merge joins over 2.6 M rows). Sampling costs well under a
    second per table. Nothing for views and ephemeral models.
#}
{% macro analyze_table() -%}
    {%- if model.config.materialized in ('table', 'incremental') -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
