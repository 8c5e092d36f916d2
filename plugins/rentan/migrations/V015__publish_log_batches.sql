-- The load batches each published version was built from (meta.build_state's inputs at
-- publish, per feed), so the volume checks (expectations/suites/volume.yml) compare only
-- the snapshots that are new since the published version with the snapshot before them.
-- Null for versions published before this column existed.
alter table meta.publish_log add column if not exists batches jsonb;
