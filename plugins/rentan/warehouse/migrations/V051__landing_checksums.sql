-- The landing scan's checksum cache (issue 24): hashing the whole landing area on every run
-- (4.8 GB at 2.6 M people, about 6 s) only to notice re-deliveries. A file whose path, size,
-- modification and change times (ns) and inode are those recorded when its SHA-256 was computed
-- reuses it (rentan.ingest.checksums); any difference hashes the file again, and `rentan run
-- --recheck` hashes every file. Kept here, not beside the files: nothing is ever written into
-- the landing area, and the cache goes with backups (a restored warehouse on another disk finds
-- other inodes and change times, so it hashes every file once). One row per file; engineers
-- read it (meta's default privileges, V013).
create table if not exists meta.landing_checksums (
    path text primary key,  -- the file's real path (a symbolic link's target), as in load_manifest.file_path
    size bigint not null,
    mtime_ns bigint not null,
    ctime_ns bigint not null,
    inode numeric(20) not null,  -- an unsigned 64-bit number
    checksum text not null,
    hashed_at timestamptz not null default clock_timestamp()
);
