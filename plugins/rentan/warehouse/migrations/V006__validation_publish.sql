-- Write-audit-publish (expectations/README.md): every check of every transform run, and
-- every publication of ops and marts.

-- One row per check per run: the Great Expectations suites (one per invariant family) and
-- dbt's tests (suite 'dbt'). severity: fail blocks publishing, warn is reported only.
-- success is null when the check was skipped (details->>'note' says why).
create table if not exists audit.validation_results (
    run_id text not null,
    suite text not null,
    check_name text not null,
    severity text not null check (severity in ('fail', 'warn')),
    success boolean,
    observed_value jsonb,
    unexpected_count bigint,
    details jsonb not null default '{}',
    recorded_at timestamptz not null default clock_timestamp(),
    primary key (run_id, suite, check_name)
);

-- One row per publication: the run whose audited build became ops and marts.
create table if not exists meta.publish_log (
    version bigint generated always as identity primary key,
    run_id text not null,
    published_at timestamptz not null default clock_timestamp(),
    relations text [] not null
);

-- Per validated run: how many checks failed (fail level), warned, were skipped; published or not.
create or replace view audit.health_validation_runs as
select
    results.run_id,
    max(results.recorded_at) as finished_at,
    count(*) as checks,
    count(*) filter (where results.success is false and results.severity = 'fail') as failures,
    count(*) filter (where results.success is false and results.severity = 'warn') as warnings,
    count(*) filter (where results.success is null) as skipped,
    exists (select 1 from meta.publish_log as log where log.run_id = results.run_id) as published
from audit.validation_results as results
group by results.run_id;

-- The transform DAG's last run: its validation counts as well as its dbt build.
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

last_validation as (
    select distinct on (dag_id)
        'rentan_transform'::text as dag_id,
        run_id,
        finished_at,
        case when failures > 0 then 'FAILED' else 'SUCCESS' end as status
    from audit.health_validation_runs
    order by dag_id, finished_at desc, run_id desc
),

runs as (
    select * from logged
    union all
    select * from last_dbt_run
    union all
    select * from last_validation
)

select distinct on (dag_id)
    dag_id,
    run_id as last_run_id,
    finished_at as last_finished_at,
    status
from runs
-- the later record wins; for the same run a FAILED build outranks its log row
order by dag_id, finished_at desc, status = 'FAILED' desc;

-- The dashboard's table, with a row for the last validation and one for the published version.
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
) as runs
union all
select
    'validation',
    runs.run_id,
    runs.finished_at,
    case when runs.failures > 0 then 'FAILED' else 'SUCCESS' end,
    null,
    null,
    runs.failures || ' failed, ' || runs.warnings || ' warned, ' || runs.skipped || ' skipped of '
    || runs.checks || ' checks; ' || case when runs.published then 'published' else 'not published' end
from (
    select * from audit.health_validation_runs
    order by finished_at desc, run_id desc
    limit 1
) as runs
union all
select
    'publish',
    'version ' || log.version,
    log.published_at,
    'SUCCESS',
    null,
    null,
    log.run_id
from (
    select * from meta.publish_log
    order by version desc
    limit 1
) as log;
