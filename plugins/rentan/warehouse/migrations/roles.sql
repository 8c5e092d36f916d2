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
