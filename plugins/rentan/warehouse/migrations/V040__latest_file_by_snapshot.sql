-- Per feed, the latest file by snapshot date (issue 20): `rentan status` named as "last file"
-- the file loaded most recently, so a re-delivered May file loaded after October's read as if
-- October were not published. latest_file is the current (LOADED) batch of the latest
-- snapshot; last_file stays the last delivery, whatever became of it (a REJECTED file too).
create or replace view audit.health_feeds as
select
    feed,
    max(finished_at) as last_seen_at,
    (array_agg(status order by batch_id desc))[1] as last_status,
    (array_agg(file_name order by batch_id desc))[1] as last_file,
    max(snapshot_date) filter (where status = 'LOADED') as current_snapshot,
    max(finished_at) filter (where status = 'LOADED') as last_loaded_at,
    coalesce(sum(rows_loaded) filter (where status = 'LOADED'), 0)::bigint as rows_loaded,
    coalesce(sum(rows_quarantined) filter (where status = 'LOADED'), 0)::bigint as rows_quarantined,
    count(*) filter (where status = 'LOADED') as files_loaded,
    count(*) filter (where status = 'REJECTED') as files_rejected,
    (array_agg(file_name order by snapshot_date desc, batch_id desc) filter (where status = 'LOADED'))[1]
        as latest_file
from meta.load_manifest
group by feed;
