-- Every officer's look-up of one person (`rentan explain NIK`, or any tool with the officer's
-- role): who, when, which NIK. UU 27/2022 expects access to population data to be recorded.
-- Readable by data engineers (audit); officers record through officer.record_lookup() below
-- and can neither read nor change this table.
create table if not exists audit.person_lookup (
    lookup_id bigint generated always as identity primary key,
    looked_up_at timestamptz not null default clock_timestamp(),
    login text not null,
    client_user text,
    tool text not null,
    nik text not null,
    found boolean not null,
    published_version bigint
);
create index if not exists person_lookup_nik on audit.person_lookup (nik, looked_up_at);

-- The officers' door to audit.person_lookup: a schema holding functions only (no table, so
-- schema USAGE gives officers nothing to read), and one SECURITY DEFINER function that runs
-- as its owner, rentan_etl. The login recorded is session_user, which the caller cannot
-- choose; client_user (the OS user the tool reports) is informative only.
create schema if not exists officer;
grant usage on schema officer to rentan_officer;

create or replace function officer.record_lookup(p_nik text, p_tool text, p_client_user text default null)
returns table (lookup_id bigint, found boolean, published_version bigint, published_at timestamptz)
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_found boolean;
    v_version bigint;
    v_published_at timestamptz;
    v_id bigint;
begin
    if p_nik is null or p_nik !~ '^[0-9]{16}$' then
        raise exception 'a NIK is 16 digits, got %', coalesce(quote_literal(left(p_nik, 40)), 'null')
            using errcode = '22023';
    end if;
    select pl.version, pl.published_at into v_version, v_published_at
    from meta.publish_log as pl order by pl.version desc limit 1;
    -- Found: a candidate of the published selection, or a NIK the published reconciliation paid.
    v_found := false;
    if to_regclass('ops.person_case') is not null and to_regclass('ops.reconciliation') is not null then
        execute 'select exists (select 1 from ops.person_case where nik = $1)
                     or exists (select 1 from ops.reconciliation where nik = $1)' into v_found using p_nik;
    end if;
    insert into audit.person_lookup (login, client_user, tool, nik, found, published_version)
    values (session_user, left(p_client_user, 100), left(coalesce(p_tool, 'unknown'), 100), p_nik, v_found,
            v_version)
    returning person_lookup.lookup_id into v_id;
    return query select v_id, v_found, v_version, v_published_at;
end
$$;
revoke all on function officer.record_lookup(text, text, text) from public;
grant execute on function officer.record_lookup(text, text, text) to rentan_officer;
