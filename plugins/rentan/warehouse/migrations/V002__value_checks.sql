-- Normalisation and checks of extract values (extracts.md), shared by the loader's
-- quarantine query and the dbt staging models so a rule lives in one place.
-- Simple SQL functions: PostgreSQL inlines them, so they cost no call per row. They are
-- written with substr/translate rather than regular expressions: the loader checks
-- millions of values, and a regex match costs several times a string comparison.

-- Trim; drop leading apostrophes (Excel exports) and inner spaces.
create or replace function meta.normalize_id(value text) returns text
language sql immutable parallel safe
return nullif(replace(ltrim(btrim(value), ''''), ' ', ''), '');

-- Only the digits 0-9, at least one.
create or replace function meta.is_digits(value text) returns boolean
language sql immutable parallel safe
return value <> '' and translate(value, '0123456789', '') = '';

-- 16 digits; province 11-94; day 01-31 or 41-71 (women); month 01-12; serial not 0000.
create or replace function meta.is_valid_nik(nik text) returns boolean
language sql immutable parallel safe
return coalesce(
    length(nik) = 16
    and meta.is_digits(nik)
    and substr(nik, 1, 2) between '11' and '94'
    and (substr(nik, 7, 2) between '01' and '31' or substr(nik, 7, 2) between '41' and '71')
    and substr(nik, 9, 2) between '01' and '12'
    and substr(nik, 13, 4) <> '0000',
    false);

-- A NIK as delivered: valid as it stands (the common, cheap case) or once normalised.
create or replace function meta.is_valid_raw_nik(value text) returns boolean
language sql immutable parallel safe
return meta.is_valid_nik(value) or meta.is_valid_nik(meta.normalize_id(value));

-- Is the text a calendar date written YYYY-MM-DD? (The date parser checks the digits.)
-- Date functions are stable, as pg_input_is_valid is: an immutable one would not be inlined.
create or replace function meta.is_date_ymd(value text) returns boolean
language sql stable parallel safe
return coalesce(
    length(value) = 10 and substr(value, 5, 1) = '-' and substr(value, 8, 1) = '-'
    and pg_input_is_valid(value, 'date'),
    false);

-- Is the text a calendar date written DD-MM-YYYY (DTSEN)?
create or replace function meta.is_date_dmy(value text) returns boolean
language sql stable parallel safe
return coalesce(
    length(value) = 10 and substr(value, 3, 1) = '-' and substr(value, 6, 1) = '-'
    and pg_input_is_valid(substr(value, 7, 4) || substr(value, 3, 4) || substr(value, 1, 2), 'date'),
    false);

-- A calendar date written YYYY-MM-DD, or null.
create or replace function meta.parse_date_ymd(value text) returns date
language sql stable parallel safe
return case when meta.is_date_ymd(btrim(value)) then btrim(value)::date end;

-- A calendar date written DD-MM-YYYY (DTSEN), or null.
create or replace function meta.parse_date_dmy(value text) returns date
language sql stable parallel safe
return case when meta.is_date_dmy(btrim(value)) then to_date(btrim(value), 'DD-MM-YYYY') end;

-- Is the value, as delivered, a number of n digits once normalised (KK, region codes)?
create or replace function meta.is_raw_id_of_length(value text, n int) returns boolean
language sql immutable parallel safe
return (length(value) = n and meta.is_digits(value))
    or coalesce(length(meta.normalize_id(value)) = n and meta.is_digits(meta.normalize_id(value)), false);

-- A plain integer (no thousand separators), or null.
create or replace function meta.parse_integer(value text) returns bigint
language sql immutable parallel safe
return case
    when length(ltrim(btrim(value), '-')) between 1 and 18
        and meta.is_digits(ltrim(btrim(value), '-'))
        and position('-' in substr(btrim(value), 2)) = 0
        then btrim(value)::bigint
end;

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
