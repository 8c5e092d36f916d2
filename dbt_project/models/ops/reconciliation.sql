{{ config(indexes=[{'columns': ['period', 'nik'], 'unique': true}, {'columns': ['nik']}]) }}

-- The monthly reconciliation list (marts.md contract, program-rules.md section 7): one row
-- per (period, NIK) expected to be paid or paid; then what the finance office needs to
-- act on an exception.
with

reconciliation as (

    select * from {{ ref('int_reconciliation_enriched') }}

),

final as (

    select
        ---------- contract (marts.md)
        period,
        nik,
        kpj,
        expected_idr,
        paid_idr,
        payment_lines,
        difference_idr,
        category,

        ---------- the facts behind the category
        last_paid_date,
        due_date,
        refund_lines,
        refunded_idr,
        died_on,
        enrollment_status,
        enrolled_month,
        category_precedence,
        category_label,

        ---------- who, where, which lines
        nama,
        kode_kecamatan,
        nama_kecamatan,
        payment_kpjs,
        kode_iuran_list

    from reconciliation

)

select * from final
