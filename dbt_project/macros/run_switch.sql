{#
    A switch of one pipeline run (carry_over, cohort_size, ledger_fresh), as opposed to a
    programme parameter: rentan.transform.dbt_runner passes it as the environment variable
    RENTAN_RUN_<NAME> holding JSON, not in --vars. dbt re-parses the whole project when
    --vars change (about 5 s at every switch from a full to an incremental build); a
    changed environment variable re-parses only the files that read it.
    Returns `default` when the run does not set the switch.
#}
{% macro run_switch(name, default=none) -%}
    {{- return(fromjson(env_var('RENTAN_RUN_' ~ (name | upper), tojson(default)))) -}}
{%- endmacro %}
