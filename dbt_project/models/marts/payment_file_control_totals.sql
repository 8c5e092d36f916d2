-- The control totals of every current BPJS payment file for dashboards: ops.payment_control_totals
-- (file-level counts and rupiah, no person) where the BI role can read it.
with

control_totals as (

    select * from {{ ref('payment_control_totals') }}

),

vocabulary as (

    select * from {{ ref('int_vocabulary') }}

),

final as (

    select
        control_totals.period,
        control_totals.file_name,
        control_totals.rows_in_file,
        control_totals.rows_loaded,
        control_totals.rows_quarantined,
        control_totals.rows_balance,
        control_totals.file_total_idr,
        control_totals.loaded_total_idr,
        control_totals.quarantined_total_idr,
        control_totals.amounts_balance,
        control_totals.unparsed_amount_rows,
        control_totals.warehouse_matches_file,
        control_totals.refund_lines,
        control_totals.net_paid_idr,
        balance.label as balance_label

    from control_totals
    inner join vocabulary as balance
        on
            balance.domain = 'control_total'
            and balance.code = case
                when
                    control_totals.rows_balance
                    and control_totals.amounts_balance
                    and control_totals.warehouse_matches_file
                    then 'BALANCED'
                else 'UNBALANCED'
            end

)

select * from final
