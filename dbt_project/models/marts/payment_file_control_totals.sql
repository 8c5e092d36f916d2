-- The control totals of every current BPJS payment file for dashboards: ops.payment_control_totals
-- (file-level counts and rupiah, no person) where the BI role can read it.
with

control_totals as (

    select * from {{ ref('payment_control_totals') }}

),

final as (

    select
        period,
        file_name,
        rows_in_file,
        rows_loaded,
        rows_quarantined,
        rows_balance,
        file_total_idr,
        loaded_total_idr,
        quarantined_total_idr,
        amounts_balance,
        unparsed_amount_rows,
        warehouse_matches_file,
        refund_lines,
        net_paid_idr

    from control_totals

)

select * from final
