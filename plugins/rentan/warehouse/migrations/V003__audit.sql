-- Results of every dbt run, per node, so run health is queryable (GitLab analytics' idea).
create table if not exists audit.dbt_results (
    run_id text not null,
    invocation_id text,
    unique_id text not null,
    resource_type text not null,
    status text not null,
    seconds numeric(10, 3),
    message text,
    recorded_at timestamptz not null default clock_timestamp(),
    primary key (run_id, unique_id)
);
