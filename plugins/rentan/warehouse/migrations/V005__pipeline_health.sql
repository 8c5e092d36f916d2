-- Views for the "pipeline health" dashboard and `rentan status`, over the run log, the
-- load manifest and the dbt results; read by data engineers (audit's default privileges).
-- Room for more: Great Expectations results will get a view of their own in a later
-- migration and a 'validation' branch in audit.pipeline_health (`create or replace view`,
-- same columns).

-- Per dbt run: when, how many nodes, how many failed (recorded even when the build fails).
create or replace view audit.health_dbt_runs as
select
    run_id,
    min(recorded_at) as started_at,
    max(recorded_at) as finished_at,
    count(*) as nodes,
    count(*) filter (where status in ('error', 'fail', 'runtime error')) as failures,
    count(*) filter (where status = 'warn') as warnings,
    sum(seconds) as seconds
from audit.dbt_results
group by run_id;

-- The last dbt run's nodes worth a look: every failure or warning, and the five slowest models.
create or replace view audit.health_dbt_last_run as
with last_run as (
    select run_id
    from audit.health_dbt_runs
    order by finished_at desc, run_id desc
    limit 1
),

nodes as (
    select
        results.*,
        rank() over (
            partition by results.resource_type = 'model'
            order by results.seconds desc nulls last, results.unique_id
        ) as time_rank
    from audit.dbt_results as results
    inner join last_run on results.run_id = last_run.run_id
)

select
    run_id,
    unique_id,
    resource_type,
    status,
    seconds,
    message,
    status in ('error', 'fail', 'runtime error') as is_failure,
    resource_type = 'model' and time_rank <= 5 as is_slowest_model
from nodes
where
    status in ('error', 'fail', 'runtime error', 'warn')
    or (resource_type = 'model' and time_rank <= 5);

-- Per DAG: its last run. A DAG writes meta.run_log when a run completes its summary; the
-- transform DAG's last dbt run counts too, so a failed build shows as FAILED.
create or replace view audit.health_dag_runs as
with logged as (
    select distinct on (dag_id)
        dag_id,
        run_id,
        finished_at,
        'SUCCESS'::text as status
    from meta.run_log
    order by dag_id, finished_at desc
),

last_dbt_run as (
    select distinct on (dag_id)
        'rentan_transform'::text as dag_id,
        run_id,
        finished_at,
        case when failures > 0 then 'FAILED' else 'SUCCESS' end as status
    from audit.health_dbt_runs
    order by dag_id, finished_at desc, run_id desc
),

runs as (
    select * from logged
    union all
    select * from last_dbt_run
)

select distinct on (dag_id)
    dag_id,
    run_id as last_run_id,
    finished_at as last_finished_at,
    status
from runs
-- the later record wins; for the same run a FAILED build outranks its log row
order by dag_id, finished_at desc, status = 'FAILED' desc;

-- Per feed: the last file that reached the manifest, the current (LOADED) snapshots, and
-- what was quarantined or rejected.
create or replace view audit.health_feeds as
select
    feed,
    max(finished_at) as last_seen_at,
    (array_agg(status order by batch_id desc))[1] as last_status,
    (array_agg(file_name order by batch_id desc))[1] as last_file,
    max(snapshot_date) filter (where status = 'LOADED') as current_snapshot,
    max(finished_at) filter (where status = 'LOADED') as last_loaded_at,
    coalesce(sum(rows_loaded) filter (where status = 'LOADED'), 0)::bigint as rows_loaded,
    coalesce(sum(rows_quarantined) filter (where status = 'LOADED'), 0)::bigint as rows_quarantined,
    count(*) filter (where status = 'LOADED') as files_loaded,
    count(*) filter (where status = 'REJECTED') as files_rejected
from meta.load_manifest
group by feed;

-- One table for the dashboard: a row per DAG, per feed, and one for the last dbt run.
create or replace view audit.pipeline_health as
select
    'dag'::text as component,
    dag_id as name,
    last_finished_at as last_at,
    status,
    null::bigint as rows_loaded,
    null::bigint as rows_quarantined,
    last_run_id as detail
from audit.health_dag_runs
union all
select
    'feed',
    feed,
    last_seen_at,
    last_status,
    rows_loaded,
    rows_quarantined,
    'snapshot ' || coalesce(current_snapshot::text, 'none') || ', ' || files_rejected
    || ' rejected file(s), last file ' || last_file
from audit.health_feeds
union all
select
    'dbt',
    runs.run_id,
    runs.finished_at,
    case when runs.failures > 0 then 'FAILED' else 'SUCCESS' end,
    null,
    null,
    runs.failures || ' failing of ' || runs.nodes || ' nodes; slowest: ' || coalesce((
        select string_agg(slow.unique_id || ' ' || slow.seconds || 's', ', ' order by slow.seconds desc)
        from audit.health_dbt_last_run as slow
        where slow.is_slowest_model
    ), 'none')
from (
    select * from audit.health_dbt_runs
    order by finished_at desc, run_id desc
    limit 1
) as runs;
