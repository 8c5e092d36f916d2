-- Runs stopped by a signal (Ctrl-C, SIGTERM, SIGHUP): which DAG run was in progress, by which
-- signal, and the published version before and after the stop (the same: a stopped run publishes
-- nothing, unless its publish had committed before the signal). Written by `rentan run`
-- (rentan.pipeline.stopping); data engineers read it in meta.
create table if not exists meta.run_stops (
    stop_id bigint generated always as identity primary key,
    stopped_at timestamptz not null default clock_timestamp(),
    run_id text,
    dag_id text,
    signal text not null,
    published_version_before bigint,
    published_version_after bigint
);
