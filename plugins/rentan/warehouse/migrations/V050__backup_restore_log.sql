-- Backups and restores of the warehouse (rentan.warehouse.backup): when, where, of which
-- published version. A backup is logged after it is complete (so it does not hold its own
-- row); a restore is logged in the restored warehouse, which then shows where it came from.
create table if not exists meta.backup_log (
    backup_id bigint generated always as identity primary key,
    location text not null,
    created_at timestamptz not null,
    published_version bigint,
    tables integer not null,
    bytes bigint not null,
    logged_at timestamptz not null default clock_timestamp()
);

create table if not exists meta.restore_log (
    restore_id bigint generated always as identity primary key,
    backup_created_at timestamptz not null,
    source text not null,
    published_version bigint,
    tables integer not null,
    restored_at timestamptz not null default clock_timestamp()
);
