-- Every purge of personal data past its retention date (rentan purge --before DATE).
create table if not exists meta.purge_log (
    purge_id bigint generated always as identity primary key,
    purged_at timestamptz not null default clock_timestamp(),
    purged_by text not null default session_user,
    before_date date not null,
    batch_ids bigint [] not null,
    raw_rows bigint not null,
    quarantine_rows bigint not null,
    kept jsonb not null
);
