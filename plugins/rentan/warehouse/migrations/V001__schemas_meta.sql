-- Schemas of marts.md and the load bookkeeping of the ingest DAG. Runs as rentan_etl,
-- which owns every schema and relation of the warehouse.

create schema if not exists raw;
create schema if not exists meta;
create schema if not exists staging;
create schema if not exists intermediate;
create schema if not exists ops;
create schema if not exists marts;
create schema if not exists audit;

-- Who may enter which schema (marts.md). Schema USAGE is the gate; SELECT on each new
-- relation comes from the default privileges below, wherever dbt or publish creates it.
grant usage on schema meta, audit to rentan_engineer;
grant usage on schema ops to rentan_officer;
grant usage on schema marts to rentan_bi;
alter default privileges grant select on tables to rentan_engineer, rentan_officer, rentan_bi;
alter default privileges revoke execute on functions from public;

-- One row per file the loader has seen: loaded, replaced by a re-delivery, or rejected.
create table if not exists meta.load_manifest (
    batch_id bigint generated always as identity primary key,
    feed text not null,
    file_name text not null,
    file_path text not null,
    checksum text not null,
    snapshot_date date,
    status text not null check (status in ('LOADED', 'REPLACED', 'REJECTED', 'PURGED')),
    rows_read bigint,
    rows_loaded bigint,
    rows_quarantined bigint,
    amount_total_idr bigint,
    amount_loaded_idr bigint,
    amount_quarantined_idr bigint,
    amount_unparsed_rows bigint,
    warnings text [] not null default '{}',
    error text,
    run_id text,
    started_at timestamptz not null,
    finished_at timestamptz,
    seconds numeric(10, 3),
    replaced_by bigint references meta.load_manifest (batch_id)
);
create index if not exists load_manifest_feed_snapshot on meta.load_manifest (feed, snapshot_date, status);
create index if not exists load_manifest_checksum on meta.load_manifest (feed, checksum);

-- Rows that failed a load check: nothing is dropped without a trace.
create table if not exists meta.quarantine (
    batch_id bigint not null references meta.load_manifest (batch_id),
    line_no bigint not null,
    reason_code text not null,
    column_name text,
    failures text not null,
    raw_line text not null,
    primary key (batch_id, line_no)
);

-- One row per DAG run of the pipeline, with a JSON summary the CLI and `rentan status` print.
create table if not exists meta.run_log (
    run_id text not null,
    dag_id text not null,
    finished_at timestamptz not null default clock_timestamp(),
    summary jsonb not null,
    primary key (run_id, dag_id)
);
