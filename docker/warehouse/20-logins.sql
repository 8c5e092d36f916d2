-- Logins of the warehouse, one per group role of marts.md, with passwords from .env.
-- The postgres image runs this once, on an empty data directory, after 10-roles.sql
-- (the project's plugins/rentan/warehouse/migrations/roles.sql, which creates the group roles).
-- Re-running it with psql (same environment) resets the passwords: that is how they are
-- rotated. The names match rentan.warehouse.LOGINS.
\set ON_ERROR_STOP on

\set etl_password ''
\set engineer_password ''
\set officer_password ''
\set bi_password ''
\getenv etl_password RENTAN_ETL_PASSWORD
\getenv engineer_password RENTAN_ENGINEER_PASSWORD
\getenv officer_password RENTAN_OFFICER_PASSWORD
\getenv bi_password RENTAN_BI_PASSWORD

select bool_and(length(password) >= 12 and strpos(password, 'CHANGE_ME') = 0) as passwords_ok
from (values (:'etl_password'), (:'engineer_password'), (:'officer_password'), (:'bi_password'))
    as passwords (password)
\gset
\if :passwords_ok
\else
    do $$ begin
        raise exception 'RENTAN_ETL_PASSWORD, RENTAN_ENGINEER_PASSWORD, RENTAN_OFFICER_PASSWORD and '
            'RENTAN_BI_PASSWORD must each be set (12 characters or more, not CHANGE_ME)';
    end $$;
\endif

select format('%s role %I login password %L',
              case when exists (select from pg_roles where rolname = login) then 'alter' else 'create' end,
              login, password)
from (values ('rentan_etl_user', :'etl_password'),
             ('rentan_engineer_user', :'engineer_password'),
             ('rentan_officer_user', :'officer_password'),
             ('rentan_bi_user', :'bi_password')) as logins (login, password)
\gexec

grant rentan_etl to rentan_etl_user;
grant rentan_engineer to rentan_engineer_user;
grant rentan_officer to rentan_officer_user;
grant rentan_bi to rentan_bi_user;
