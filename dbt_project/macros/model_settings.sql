{#
    Pre-hook of every model (dbt_project.yml): the model's transaction may use more memory
    per sort or hash than the server's default (work_mem), so a join of two city-sized
    tables is one in-memory hash, not a dozen batches spilled to disk. `set local`: only
    this model's transaction, nothing leaks to the next model on the connection. 192 MB
    (x hash_mem_multiplier 2 for a hash) keeps a backend well under 1 GB with two threads.
#}
{% macro model_settings() -%}
    {%- if model.config.materialized in ('table', 'incremental') -%}
        set local work_mem = '192MB'
    {%- endif -%}
{%- endmacro %}
