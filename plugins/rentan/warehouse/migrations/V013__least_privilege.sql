-- Least privilege (docs/security.md): a reader role holds privileges only in the schemas it
-- may enter. V001 granted SELECT on every new relation of every schema to every reader and
-- let schema USAGE be the only gate, but pg_stats and information_schema check table
-- privileges, not USAGE: a BI login read the most common NIKs, names and birth dates of raw
-- and intermediate from pg_stats. Now SELECT is granted per schema, like USAGE, and
-- publish.py carries a schema's grants and default privileges over to the build it swaps in.
-- The build schemas (ops_build, marts_build) get none: nobody reads an unaudited build.

-- No more SELECT on new relations anywhere: only per schema (below).
alter default privileges revoke select on tables from rentan_engineer, rentan_officer, rentan_bi;

-- Take back what readers and PUBLIC hold on the warehouse's relations and functions.
do $$
declare
    s name;
    kind text;
begin
    for s in select nspname from pg_namespace where nspowner = 'rentan_etl'::regrole loop
        foreach kind in array array['tables', 'sequences', 'functions'] loop
            execute format('revoke all on all %s in schema %I from public, rentan_engineer, rentan_officer, rentan_bi',
                           kind, s);
        end loop;
    end loop;
end
$$;

-- SELECT where the role has USAGE (V001), on what exists and on what the pipeline creates.
grant select on all tables in schema meta, audit to rentan_engineer;
grant select on all tables in schema ops to rentan_officer;
grant select on all tables in schema marts to rentan_bi;
alter default privileges in schema meta, audit grant select on tables to rentan_engineer;
alter default privileges in schema ops grant select on tables to rentan_officer;
alter default privileges in schema marts grant select on tables to rentan_bi;
