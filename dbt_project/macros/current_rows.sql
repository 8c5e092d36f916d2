{#
    The rows of raw.<feed> that are current: from a LOADED batch (not REPLACED,
    REJECTED or PURGED) and not quarantined by the loader. Each row carries its
    batch_id, line_no and the batch's snapshot_date. Every staging model starts
    here, so "current" is defined once.
#}
{% macro current_rows(feed) -%}
    select
        raw_rows.*,
        load_batches.snapshot_date
    from {{ source('raw', feed) }} as raw_rows
    inner join {{ ref('stg_meta__load_batches') }} as load_batches
        on raw_rows.batch_id = load_batches.batch_id
    where not exists (
        select 1
        from {{ source('meta', 'quarantine') }} as quarantined
        where
            quarantined.batch_id = raw_rows.batch_id
            and quarantined.line_no = raw_rows.line_no
    )
{%- endmacro %}
