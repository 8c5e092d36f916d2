{#- program-rules.md section 7: the report flags a participant at this many consecutive
    UNPAID months; BPJS sets a BPU member inactive at the second number. -#}
{%- set flagged_at_months = 2 -%}
{%- set bpjs_deactivates_at_months = 3 -%}

-- Participants behind on their premium: for each period, everyone whose run of
-- consecutive UNPAID months reaches that period and is at least two months long. Months
-- are calendar months: a month without a payment file breaks the run.
with

reconciliation as (

    select * from {{ ref('int_reconciliation_enriched') }}

),

unpaid as (

    select
        period,
        nik,
        kpj,
        nama,
        kode_kecamatan,
        nama_kecamatan,
        expected_idr,
        12 * extract(year from period) + extract(month from period) as month_index

    from reconciliation

    where category = 'UNPAID'

),

islands as (

    select
        *,
        month_index - row_number() over (partition by nik order by period) as run_id

    from unpaid

),

runs as (

    select
        *,
        min(period) over same_run as first_unpaid_period,
        cast(row_number() over same_run as integer) as consecutive_unpaid_months,
        cast(sum(expected_idr) over same_run as bigint) as unpaid_idr

    from islands

    window same_run as (
        partition by nik, run_id
        order by period
        rows between unbounded preceding and current row
    )

),

final as (

    select
        period,
        nik,
        kpj,
        first_unpaid_period,
        consecutive_unpaid_months,
        consecutive_unpaid_months >= {{ bpjs_deactivates_at_months }} as is_bpjs_deactivation_due,
        unpaid_idr,
        nama,
        kode_kecamatan,
        nama_kecamatan

    from runs

    where consecutive_unpaid_months >= {{ flagged_at_months }}

)

select * from final
