-- The group roles of marts.md, run before every migration (idempotent). Logins are
-- members of these roles: see docs/security.md. Creating a role needs CREATEROLE only
-- the first time; after that this script changes nothing.
do $$
declare r text;
begin
    foreach r in array array['rentan_etl', 'rentan_engineer', 'rentan_officer', 'rentan_bi'] loop
        if not exists (select 1 from pg_roles where rolname = r) then
            execute format('create role %I nologin', r);
        end if;
    end loop;
    -- The pipeline creates its schemas as rentan_etl.
    if not has_database_privilege('rentan_etl', current_database(), 'create') then
        execute format('grant create on database %I to rentan_etl', current_database());
    end if;
    -- Nothing lives in the public schema: no role sees even its name (docs/security.md). Only
    -- its owner can revoke; a login that is not (docker's ETL login) leaves it to 10-roles.sql.
    if exists (select from pg_namespace where nspname = 'public' and pg_has_role(nspowner, 'usage'))
       and has_schema_privilege('public', 'public', 'usage') then
        revoke all on schema public from public;
    end if;
end
$$;

-- Least privilege, further (issue 23): only the pipeline may take advisory locks here. The stage
-- locks (rentan.warehouse.locks) are advisory locks, and their namespace is shared by every
-- login: a BI login's `select pg_advisory_lock(2775, 2)` would hold the transform. The
-- functions belong to the bootstrap superuser, so only a superuser can revoke them (the
-- embedded warehouse's migrations, and docker's 10-roles.sql at init); the pipeline may also
-- end readers' sessions that hold the published relations past the publish's grace period
-- (pg_signal_backend cannot end a superuser's session). Idempotent.
do $$
declare f regprocedure;
begin
    if not (select rolsuper from pg_roles where rolname = current_user) then
        return;
    end if;
    for f in
        select p.oid::regprocedure from pg_proc as p
        where p.pronamespace = 'pg_catalog'::regnamespace and p.proname like 'pg\_%advisory%'
    loop
        if has_function_privilege('public', f, 'execute') then
            execute format('revoke execute on function %s from public', f);
        end if;
        if not has_function_privilege('rentan_etl', f, 'execute') then
            execute format('grant execute on function %s to rentan_etl', f);
        end if;
    end loop;
    if not pg_has_role('rentan_etl', 'pg_signal_backend', 'member') then
        grant pg_signal_backend to rentan_etl;
    end if;
end
$$;
