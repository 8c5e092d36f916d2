-- Control totals of every current BPJS payment file (program-rules.md section 7): rows in
-- the file = rows loaded + rows quarantined, and the file's rupiah total (every total_iuran
-- that parses as an integer) = loaded + quarantined totals. What staging holds and what the
-- quarantine lists are counted again here, so no line and no rupiah disappears silently.
with

files as (

    select * from {{ ref('int_payments_files') }}

),

payments as (

    select * from {{ ref('stg_bpjs__payments') }}

),

quarantine as (

    select * from {{ ref('stg_meta__quarantine') }}

),

staged as (

    select
        batch_id,
        cast(count(*) as bigint) as staged_lines,
        cast(sum(total_iuran_idr) as bigint) as staged_total_idr,
        cast(count(*) filter (where is_refund) as bigint) as refund_lines,
        cast(coalesce(sum(total_iuran_idr) filter (where is_refund), 0) as bigint) as refunded_idr,
        cast(sum(signed_iuran_idr) as bigint) as net_paid_idr

    from payments

    group by batch_id

),

quarantined as (

    select
        quarantine.batch_id,
        cast(count(*) as bigint) as quarantined_lines_listed

    from quarantine
    inner join files
        on quarantine.batch_id = files.batch_id

    group by quarantine.batch_id

),

final as (

    select
        files.period,
        files.file_name,
        files.batch_id,

        ---------- rows
        files.rows_in_file,
        files.rows_loaded,
        files.rows_quarantined,
        files.rows_in_file = files.rows_loaded + files.rows_quarantined as rows_balance,

        ---------- rupiah (total_iuran as delivered; a refund is positive)
        files.file_total_idr,
        files.loaded_total_idr,
        files.quarantined_total_idr,
        files.file_total_idr = files.loaded_total_idr + files.quarantined_total_idr as amounts_balance,
        files.unparsed_amount_rows,

        ---------- what the warehouse holds of the file
        coalesce(staged.staged_lines, 0) as staged_lines,
        coalesce(staged.staged_total_idr, 0) as staged_total_idr,
        coalesce(quarantined.quarantined_lines_listed, 0) as quarantined_lines_listed,
        (
            coalesce(staged.staged_lines, 0) = files.rows_loaded
            and coalesce(staged.staged_total_idr, 0) = files.loaded_total_idr
            and coalesce(quarantined.quarantined_lines_listed, 0) = files.rows_quarantined
        ) as warehouse_matches_file,

        ---------- paid, net of refunds (marts.budget_monthly paid_idr)
        coalesce(staged.refund_lines, 0) as refund_lines,
        coalesce(staged.refunded_idr, 0) as refunded_idr,
        coalesce(staged.net_paid_idr, 0) as net_paid_idr

    from files
    left join staged
        on files.batch_id = staged.batch_id
    left join quarantined
        on files.batch_id = quarantined.batch_id

)

select * from final
