-- A payment file's rupiah control total counts every total_iuran that is an integer, of any
-- length (program-rules.md section 7, 2026-12-06: arbitrary-precision arithmetic): a 13-digit
-- amount is quarantined (AMOUNT_OUT_OF_RANGE) but its rupiah stay in the file's total and the
-- quarantined total, so file = loaded + quarantined still holds and nothing disappears.
create or replace function meta.integer_amount(value text) returns numeric
language sql immutable parallel safe
return case when meta.is_integer_text(value) then meta.normalize_text(value)::numeric end;

-- The staging view that reads these columns is rebuilt by dbt (the project changed with them).
drop view if exists staging.stg_meta__load_control_totals cascade;

alter table meta.load_manifest
    alter column amount_total_idr type numeric,
    alter column amount_loaded_idr type numeric,
    alter column amount_quarantined_idr type numeric;
