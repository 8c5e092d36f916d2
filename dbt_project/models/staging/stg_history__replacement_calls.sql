-- The replacements earlier published versions called (history.replacement_calls): they stay
-- participants whatever later snapshots say (program-rules.md section 5). A `--reselect`
-- build (run switch forget_calls) starts afresh: the decision replaces the cohort and its calls.
with

source as (

    select * from {{ source('history', 'replacement_calls') }}

),

called as (

    select
        nik,
        first_call_order,
        first_run_id

    from source

    where not {{ run_switch('forget_calls', false) }}

)

select * from called
