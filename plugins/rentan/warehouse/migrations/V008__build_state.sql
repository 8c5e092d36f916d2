-- Incremental builds (rentan.incremental): the inputs of the last successful dbt build, so
-- the next run rebuilds only what depends on the feeds that changed. At most one row: it is
-- deleted when a build starts and written when the build succeeds, so a build that failed
-- or was killed half-way leaves none and the next run is a full build.
create table if not exists meta.build_state (
    one_row boolean primary key default true check (one_row),
    run_id text not null,
    inputs jsonb not null,
    built_at timestamptz not null default clock_timestamp()
);
