-- The two normalisers that staging calls on every row (issue 24): at 2.6 M rows a column,
-- translate() with the multibyte whitespace set and regexp_replace() cost 1-2.5 s a column, and
-- a snapshot has seven such columns (typed again for each snapshot a build reads). Almost every
-- delivered value has nothing to remove, and one regular-expression test says so in a third of
-- the time, so the work is done only where there is some. Same results as V011 for every input:
-- a value the test passes is one the full expression would return unchanged (no whitespace to
-- drop; no whitespace but single spaces to collapse). Still simple SQL functions PostgreSQL
-- inlines, with the whitespace list folded into constants.

-- Drop whitespace of every kind anywhere, then leading apostrophes (Excel exports).
create or replace function meta.normalize_id(value text) returns text
language sql immutable parallel safe
return nullif(ltrim(
    case when value ~ ('[' || meta.whitespace() || ']') then translate(value, meta.whitespace(), '') else value end,
    ''''), '');

-- Upper-case, trim, collapse every run of whitespace to one space: how free text is matched.
-- Only whitespace other than a space, or two spaces in a row, needs the collapse.
create or replace function meta.normalize_label(value text) returns text
language sql immutable parallel safe
return nullif(upper(btrim(
    case
        when value ~ ('[' || replace(meta.whitespace(), ' ', '') || ']|  ')
            then regexp_replace(value, '[' || meta.whitespace() || ']+', ' ', 'g')
        else value
    end,
    ' ')), '');
