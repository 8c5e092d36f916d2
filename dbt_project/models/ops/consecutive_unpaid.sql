-- Participants behind on their premium (program-rules.md section 7): for each period,
-- everyone whose run of consecutive UNPAID months reaches that period and is at least
-- unpaid_flag_months long; BPJS deactivates at bpjs_lapse_months. Months are calendar
-- months: a month without a payment file breaks the run.
with

reconciliation as (

    select * from {{ ref('int_reconciliation_enriched') }}

),

parameters as (

    select * from {{ ref('int_program_parameters') }}

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
        runs.period,
        runs.nik,
        runs.kpj,
        runs.first_unpaid_period,
        runs.consecutive_unpaid_months,
        runs.consecutive_unpaid_months >= parameters.bpjs_lapse_months as is_bpjs_deactivation_due,
        runs.unpaid_idr,
        runs.nama,
        runs.kode_kecamatan,
        runs.nama_kecamatan

    from runs
    cross join parameters

    where runs.consecutive_unpaid_months >= parameters.unpaid_flag_months

)

select * from final
