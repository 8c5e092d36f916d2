-- Officers read personal data only through look-ups that are recorded (issue 23): until now a
-- programme officer's login could `select * from ops.person_case` (every candidate's NIK and
-- name) and nothing was recorded; only `rentan explain` called officer.record_lookup.
--
-- Now officers hold nothing in ops: no USAGE, no SELECT, no default privilege (the publish swap
-- carries ops' grants over to each new version, so none come back). They read through
-- officer.read(relation, nik), a SECURITY DEFINER function that returns a cursor on the rows of
-- one ops relation for one NIK, and only for a NIK whose look-up this login recorded in the same
-- transaction (officer.record_lookup): no officer query bypasses audit.person_lookup. Relations
-- without a `nik` column (ops.eligibility_rules, ops.program_parameters: no personal data) are
-- read whole. The cursor is opened by the function, so the rows keep their types.

alter default privileges in schema ops revoke select on tables from rentan_officer;
revoke select on all tables in schema ops from rentan_officer;
revoke usage on schema ops from rentan_officer;

-- The transaction of each look-up: officer.read finds the caller's look-up of this transaction.
alter table audit.person_lookup add column if not exists transaction_id xid8 default pg_current_xact_id();
create index if not exists person_lookup_transaction on audit.person_lookup (transaction_id, nik);

create or replace function officer.read(
    p_relation text, p_nik text default null, p_column text default 'nik', p_order text [] default '{}'
)
returns refcursor
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_relation oid;
    v_has_nik boolean;
    v_order text;
    v_cursor refcursor;
begin
    v_relation := to_regclass(format('ops.%I', p_relation));
    if v_relation is null then
        raise exception 'the published version has no ops.%', p_relation using errcode = '42P01';
    end if;
    if exists (select from unnest(p_order) as o (name)
               where not exists (select from pg_attribute where attrelid = v_relation and attname = o.name
                                 and attnum > 0 and not attisdropped)) then
        raise exception 'ops.% has no column named in %', p_relation, p_order using errcode = '42703';
    end if;
    v_order := coalesce(nullif((select string_agg(format('%I', o.name), ', ' order by o.n)
                                from unnest(p_order) with ordinality as o (name, n)), ''), '1');
    v_has_nik := exists (select from pg_attribute where attrelid = v_relation and attname = 'nik'
                         and attnum > 0 and not attisdropped);
    if not v_has_nik then  -- no personal data: read whole
        open v_cursor for execute format('select * from ops.%I order by %s', p_relation, v_order);
        return v_cursor;
    end if;
    if p_column <> 'nik' and p_column !~ '^[a-z_]+_nik$' then
        raise exception 'officers read a person by a NIK column, not %', p_column using errcode = '22023';
    end if;
    if not exists (select from audit.person_lookup as pl
                   where pl.nik = p_nik and pl.login = session_user
                     and pl.transaction_id = pg_current_xact_id()) then
        raise exception 'record the look-up of this NIK first, in the same transaction (officer.record_lookup)'
            using errcode = '42501';
    end if;
    if not exists (select from pg_attribute where attrelid = v_relation and attname = p_column
                   and attnum > 0 and not attisdropped) then  -- an older version without that column
        open v_cursor for execute format('select * from ops.%I where false', p_relation);
        return v_cursor;
    end if;
    open v_cursor for execute format('select * from ops.%I where %I = $1 order by %s', p_relation, p_column, v_order)
        using p_nik;
    return v_cursor;
end
$$;
revoke all on function officer.read(text, text, text, text []) from public;
grant execute on function officer.read(text, text, text, text []) to rentan_officer;
