-- Who has been called as a replacement (program-rules.md section 5: a called replacement is a
-- participant, and only death ends participation). Publish adds each version's called
-- replacements here, in the swap's transaction; the next builds keep calling them whatever
-- later DTSEN or BPJS snapshots say (int_enrollment_waitlist_recheck). A `--reselect`
-- decision starts the history afresh. NIKs: restricted like raw (no reader role is granted
-- anything in this schema).
create schema if not exists history;

create table if not exists history.replacement_calls (
    nik text primary key,
    first_call_order integer not null,
    first_run_id text not null,
    called_at timestamptz not null default clock_timestamp()
);
