-- Whitespace of every kind and the range of rupiah amounts (extracts.md; issues 11.6, 12.5,
-- 12.9). Replaces the normalisers of V002 in place, so the loader's checks and the dbt
-- staging models, which both call them, change together. Still simple SQL functions that
-- PostgreSQL inlines; the whitespace list is a constant folded into each call.

-- Whitespace means every kind: space, tab, line breaks, vertical tab, form feed, and the
-- non-breaking spaces spreadsheet exports leave behind (U+00A0, U+2007, U+202F).
create or replace function meta.whitespace() returns text
language sql immutable parallel safe
return e' \t\n\r\x0b\f\u00a0\u2007\u202f';

-- Trimmed of every kind of whitespace; null when nothing is left.
create or replace function meta.normalize_text(value text) returns text
language sql immutable parallel safe
return nullif(btrim(value, meta.whitespace()), '');

-- Is there a value, not only whitespace? The first character decides at once for almost every
-- value (a visible ASCII character); only the rest are trimmed.
create or replace function meta.is_present(value text) returns boolean
language sql immutable parallel safe
return coalesce(ascii(value) between 33 and 126 or meta.normalize_text(value) is not null, false);

-- Drop whitespace of every kind anywhere, then leading apostrophes (Excel exports).
create or replace function meta.normalize_id(value text) returns text
language sql immutable parallel safe
return nullif(ltrim(translate(value, meta.whitespace(), ''), ''''), '');

-- Upper-case, trim, collapse every run of whitespace to one space: how free text is matched.
create or replace function meta.normalize_label(value text) returns text
language sql immutable parallel safe
return nullif(upper(btrim(regexp_replace(value, '[' || meta.whitespace() || ']+', ' ', 'g'), ' ')), '');

-- A calendar date written YYYY-MM-DD, or null.
create or replace function meta.parse_date_ymd(value text) returns date
language sql stable parallel safe
return case when meta.is_date_ymd(meta.normalize_text(value)) then meta.normalize_text(value)::date end;

-- A calendar date written DD-MM-YYYY (DTSEN), or null.
create or replace function meta.parse_date_dmy(value text) returns date
language sql stable parallel safe
return case
    when meta.is_date_dmy(meta.normalize_text(value)) then to_date(meta.normalize_text(value), 'DD-MM-YYYY')
end;

-- Is the value, trimmed, a plain integer: an optional minus and digits, of any length?
create or replace function meta.is_integer_text(value text) returns boolean
language sql immutable parallel safe
return coalesce(
    meta.is_digits(ltrim(meta.normalize_text(value), '-'))
    and position('-' in substr(meta.normalize_text(value), 2)) = 0,
    false);

-- A plain integer (no thousand separators) of at most 18 digits, or null.
create or replace function meta.parse_integer(value text) returns bigint
language sql immutable parallel safe
return case
    when meta.is_integer_text(value) and length(ltrim(meta.normalize_text(value), '-')) <= 18
        then meta.normalize_text(value)::bigint
end;

-- A rupiah amount: a plain integer of at most 12 digits (under Rp 1 trillion in one line), or
-- null. The bound keeps every sum of a file or a year far inside bigint: an amount beyond it
-- is a delivery defect (AMOUNT_OUT_OF_RANGE), not money.
create or replace function meta.parse_amount(value text) returns bigint
language sql immutable parallel safe
return case
    when meta.is_integer_text(value) and length(ltrim(meta.normalize_text(value), '-')) <= 12
        then meta.normalize_text(value)::bigint
end;
