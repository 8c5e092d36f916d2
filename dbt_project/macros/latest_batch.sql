{#
    The one definition of "which snapshot": a scalar subquery returning the
    batch_id of the latest LOADED snapshot of `feed` dated on or before `as_of`
    (an ISO date), or of the latest LOADED snapshot overall when `as_of` is none.
    It is null when there is no such snapshot (tests/assert_selection_snapshots_exist
    fails the build then). Ties on snapshot_date cannot happen among LOADED batches
    (a re-delivery REPLACEs the earlier one); batch_id breaks them anyway.

    Usage:  where batch_id = {{ latest_batch('dukcapil', var('selection_date')) }}
#}
{% macro latest_batch(feed, as_of=none) -%}
    {%- if as_of is not none and not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', as_of | string) -%}
        {{ exceptions.raise_compiler_error("latest_batch: as_of must be an ISO date YYYY-MM-DD, got " ~ as_of) }}
    {%- endif -%}
    (
        select load_batches.batch_id
        from {{ ref('stg_meta__load_batches') }} as load_batches
        where
            load_batches.feed = '{{ feed }}'
            {%- if as_of is not none %}
                and load_batches.snapshot_date <= cast('{{ as_of }}' as date)
            {%- endif %}
        order by load_batches.snapshot_date desc, load_batches.batch_id desc
        limit 1
    )
{%- endmacro %}
