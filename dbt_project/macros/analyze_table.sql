{#
    Post-hook of every intermediate, ops and marts model (dbt_project.yml): a table just
    built has no planner statistics until autovacuum gets to it, and the next model joins
    it at once; without them the planner guesses row counts and distinct values (and
    chose nested loops and merge joins over 2.6 M rows). Sampling costs well under a
    second per table. Nothing for views and ephemeral models.

    The table is also taken off autovacuum: it is written once (create table as) and never
    updated, so there is nothing to vacuum, and its statistics come from this analyze. An
    autovacuum of a freshly built 2.6 M-row table held its lock for longer than the publish
    swap's 30 s of NOWAIT tries and failed the publish (rentan bench, incremental run).
    Anti-wraparound vacuums still run (PostgreSQL ignores the setting for them).
#}
{% macro analyze_table() -%}
    {%- if model.config.materialized in ('table', 'incremental') -%}
        alter table {{ this }} set (autovacuum_enabled = false, toast.autovacuum_enabled = false);
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
