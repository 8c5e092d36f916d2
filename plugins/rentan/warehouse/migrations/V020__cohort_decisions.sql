-- The selected cohort is a decision (docs/decisions.md, "The cohort is a decision"): every
-- change of who is selected, or of their ranks, is recorded with why. Before anyone is
-- enrolled a change follows the data (kind SELECTION); after, only an explicit
-- `rentan run --reselect "reason"` may change it (kind RESELECT). No personal data here.
create table if not exists audit.cohort_decisions (
    decision_id bigint generated always as identity primary key,
    run_id text not null,
    kind text not null check (kind in ('SELECTION', 'RESELECT')),
    reason text not null,
    decided_by text not null default session_user,
    decided_at timestamptz not null default clock_timestamp(),
    selected bigint not null,
    joined bigint not null,
    left_cohort bigint not null,
    reranked bigint not null
);

-- What each published version was built from (meta.build_state's inputs at publish: the
-- load batches per feed, the parameters, the project and key fingerprints). The volume
-- checks compare only the snapshots new since the published version (expectations/suites/
-- volume.yml); the cohort check names the parameters and snapshots that changed since.
-- Null for versions published before this column existed.
alter table meta.publish_log add column if not exists inputs jsonb;
