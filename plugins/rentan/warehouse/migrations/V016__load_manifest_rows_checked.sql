-- How many rows of a load the SQL checks ran on: the loader's client-side screen
-- (rentan.ingest.screen) passes the lines that certainly pass every check, and SQL checks
-- the rest; a file the screen does not vouch for is checked whole (rows_checked = rows_read).
-- Null for loads before this column.
alter table meta.load_manifest add column if not exists rows_checked bigint;
