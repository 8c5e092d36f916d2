-- Normalisation and checks of extract values (extracts.md), shared by the loader's
-- quarantine query and the dbt staging models so a rule lives in one place.
-- Simple SQL functions: PostgreSQL inlines them, so they cost no call per row.

-- Trim; drop a leading apostrophe (Excel exports) and inner spaces.
create or replace function meta.normalize_id(value text) returns text
language sql immutable parallel safe
return nullif(replace(regexp_replace(btrim(value), '^''', ''), ' ', ''), '');

-- 16 digits; province 11-94; day 01-31 or 41-71 (women); month 01-12; serial not 0000.
create or replace function meta.is_valid_nik(nik text) returns boolean
language sql immutable parallel safe
return coalesce(
    nik ~ '^(1[1-9]|[2-8][0-9]|9[0-4])[0-9]{4}(0[1-9]|[12][0-9]|3[01]|4[1-9]|[56][0-9]|7[01])(0[1-9]|1[0-2])[0-9]{2}[0-9]{4}$'
    and right(nik, 4) <> '0000',
    false);

-- A calendar date written YYYY-MM-DD, or null.
create or replace function meta.parse_date_ymd(value text) returns date
language sql immutable parallel safe
return case
    when btrim(value) ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' and pg_input_is_valid(btrim(value), 'date')
        then btrim(value)::date
end;

-- A calendar date written DD-MM-YYYY (DTSEN), or null.
create or replace function meta.parse_date_dmy(value text) returns date
language sql immutable parallel safe
return meta.parse_date_ymd(
    case when btrim(value) ~ '^[0-9]{2}-[0-9]{2}-[0-9]{4}$'
        then substr(btrim(value), 7, 4) || '-' || substr(btrim(value), 4, 2) || '-' || substr(btrim(value), 1, 2)
    end);

-- A plain integer (no thousand separators), or null.
create or replace function meta.parse_integer(value text) returns bigint
language sql immutable parallel safe
return case when btrim(value) ~ '^-?[0-9]{1,18}$' then btrim(value)::bigint end;

-- Upper-case, trim, collapse inner runs of spaces: how free text is matched.
create or replace function meta.normalize_label(value text) returns text
language sql immutable parallel safe
return nullif(upper(regexp_replace(btrim(value), '\s+', ' ', 'g')), '');

-- A value written back as one CSV field, to show a quarantined row as it was delivered.
create or replace function meta.csv_field(value text) returns text
language sql immutable parallel safe
return case
    when value ~ '[",\r\n]' then '"' || replace(value, '"', '""') || '"'
    else coalesce(value, '')
end;
