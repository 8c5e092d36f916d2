-- The programme's decisions as an append-only ledger (program-rules.md section 5, 2026-12-06;
-- docs/decisions.md "The decision ledger"). Publish appends, in the swap's transaction, the
-- decisions of the version it publishes: the replacement calls (who, which slot, in which
-- order, when, in which version), the people skipped for each call and why, the capacity
-- changes, and the eras a re-selection starts. A later run reads the ledger and adds only new
-- decisions; nothing here is ever updated or deleted (the owner holds no right to). NIKs: restricted
-- like raw (no reader role is granted anything in this schema).
create schema if not exists history;

-- An era starts with a selection that changed the cohort before anyone was enrolled or
-- called, or with `rentan run --reselect "reason"`; every ledger row belongs to one era, and
-- each run reads the latest era only.
create table if not exists history.eras (
    era integer primary key,
    kind text not null check (kind in ('SELECTION', 'RESELECT', 'MIGRATED')),
    reason text not null,
    cohort_decision_id bigint references audit.cohort_decisions (decision_id),
    published_version bigint not null,
    run_id text not null,
    started_at timestamptz not null default clock_timestamp()
);

-- The capacity in force: the era's first row from coverage_start_month, then each change
-- (a revised quota or budget) from the month after the latest month with payment data when
-- it was published (data_month).
create table if not exists history.capacity_changes (
    era integer not null,
    change_no integer not null,
    effective_month date not null,
    capacity integer not null,
    previous_capacity integer,
    quota integer not null,
    budget_idr bigint not null,
    annual_premium_idr bigint not null,
    binding_constraint text not null,
    data_month date,
    published_version bigint not null,
    run_id text not null,
    decided_at timestamptz not null default clock_timestamp(),
    primary key (era, change_no)
);

-- One row per replacement called: the slot (EXIT:<nik of the exited participant> or
-- CAPACITY:<change_no>:<n> for a capacity rise), its first month and cost when called.
create table if not exists history.calls (
    era integer not null,
    call_order integer not null,
    nik text not null,
    waitlist_rank integer not null,
    priority_rank integer not null,
    slot_key text not null,
    slot_source text not null check (slot_source in ('EXIT', 'CAPACITY')),
    replaces_nik text,
    freed_month date not null,
    freed_rank integer not null,
    slot_start_month date not null,
    slot_cost_idr bigint not null,
    data_month date,
    published_version bigint not null,
    run_id text not null,
    called_at timestamptz not null default clock_timestamp(),
    primary key (era, call_order),
    unique (era, nik),
    unique (era, slot_key)
);

-- The waitlisted people ranked before a called person who were not eligible on the latest
-- snapshots when that call was made: skipped for that slot, keeping their rank.
create table if not exists history.skips (
    era integer not null,
    call_order integer not null,
    nik text not null,
    waitlist_rank integer not null,
    reasons text not null,
    published_version bigint not null,
    run_id text not null,
    skipped_at timestamptz not null default clock_timestamp(),
    primary key (era, call_order, nik)
);

-- Append-only by privilege: the pipeline role that owns the ledger gives up its own right to
-- change or remove a row (an owner may revoke its own privileges), so a later run can only add.
-- No trigger (the same SQL runs on Citus, tests/test_sql_features.py) and no foreign key (its
-- check locks the referenced row, which needs the UPDATE right given up here): publish writes an
-- era's rows together, in one transaction.
revoke update, delete, truncate on history.eras, history.capacity_changes, history.calls, history.skips
from rentan_etl;

-- A warehouse that already published keeps what it decided: its calls (V021, with the slot the
-- published replacement list gives each) and its capacity become era 1.
do $$
declare
    v_version bigint;
    v_run text;
begin
    select version, run_id into v_version, v_run from meta.publish_log order by version desc limit 1;
    if v_version is null then
        if to_regclass('history.replacement_calls') is not null then
            drop table history.replacement_calls;
        end if;
        return;
    end if;
    insert into history.eras (era, kind, reason, cohort_decision_id, published_version, run_id)
    values (1, 'MIGRATED', 'the ledger starts from the version published before it existed',
            (select max(decision_id) from audit.cohort_decisions), v_version, v_run);
    if to_regclass('marts.program_capacity') is not null then
        execute $sql$
            insert into history.capacity_changes (era, change_no, effective_month, capacity, quota, budget_idr,
                annual_premium_idr, binding_constraint, published_version, run_id)
            select 1, 1, coverage_start_month, capacity, quota, budget_idr, annual_premium_idr,
                   binding_constraint, $1, $2
            from marts.program_capacity
        $sql$ using v_version, v_run;
    end if;
    if to_regclass('history.replacement_calls') is not null and to_regclass('ops.replacement_list') is not null then
        execute $sql$
            insert into history.calls (era, call_order, nik, waitlist_rank, priority_rank, slot_key, slot_source,
                replaces_nik, freed_month, freed_rank, slot_start_month, slot_cost_idr, published_version, run_id,
                called_at)
            select 1, list.call_order, list.nik, list.waitlist_rank, list.priority_rank,
                   'EXIT:' || list.replaces_nik, 'EXIT', list.replaces_nik, list.freed_month,
                   coalesce(exited.priority_rank, 0), list.slot_start_month, coalesce(list.slot_cost_idr, 0),
                   $1, called.first_run_id, called.called_at
            from history.replacement_calls as called
            join ops.replacement_list as list on list.nik = called.nik
            left join ops.enrollment as exited on exited.nik = list.replaces_nik
            where list.replaces_nik is not null
        $sql$ using v_version;
    end if;
    if to_regclass('history.replacement_calls') is not null then
        drop table history.replacement_calls;
    end if;
end
$$;
