-- The monthly reconciliation of program-rules.md section 7: for each period with payment
-- data, one row per person expected to be paid or who has a payment line (matched by NIK),
-- and the category: the first rule of the `categorised` CTE that applies, in the
-- rulebook's precedence. The one place a category is decided.
with

parameters as (

    select * from {{ ref('int_program_parameters') }}

),

files as (

    select * from {{ ref('int_payments_files') }}

),

enrollment_months as (

    select * from {{ ref('int_enrollment_months') }}

    where is_active

),

payments as (

    select * from {{ ref('int_payments_by_person') }}

),

residents as (

    select * from {{ ref('int_dukcapil_residents_latest') }}

),

periods as (

    select
        files.period,
        -- Due by day payment_due_day of the period month (its last day in a shorter month).
        least(
            files.period + (parameters.payment_due_day - 1),
            cast(files.period + interval '1 month' - interval '1 day' as date)
        ) as due_date

    from files
    cross join parameters

),

people as (

    select
        enrollment_months.period,
        enrollment_months.nik

    from enrollment_months
    inner join periods
        on enrollment_months.period = periods.period

    union

    select
        payments.period,
        payments.nik

    from payments
    inner join periods
        on payments.period = periods.period

),

facts as (

    select
        people.period,
        people.nik,
        coalesce(enrollment_months.kpj, split_part(payments.payment_kpjs, ',', 1)) as kpj,
        coalesce(enrollment_months.expected_idr, 0) as expected_idr,
        coalesce(payments.paid_idr, 0) as paid_idr,
        coalesce(payments.payment_lines, 0) as payment_lines,
        payments.last_paid_date,
        periods.due_date,
        residents.tanggal_kematian as died_on,
        coalesce(payments.refund_lines, 0) as refund_lines,
        coalesce(payments.refunded_idr, 0) as refunded_idr,
        payments.payment_kpjs,
        payments.kode_iuran_list,
        payments.nama_on_payment

    from people
    inner join periods
        on people.period = periods.period
    left join enrollment_months
        on
            people.period = enrollment_months.period
            and people.nik = enrollment_months.nik
    left join payments
        on
            people.period = payments.period
            and people.nik = payments.nik
    left join residents
        on people.nik = residents.nik

),

categorised as (

    select
        *,
        paid_idr - expected_idr as difference_idr,
        case
            when paid_idr > 0 and died_on < period then 'PAID_AFTER_DEATH'
            when paid_idr > 0 and expected_idr = 0 then 'NOT_A_PARTICIPANT'
            when expected_idr > 0 and payment_lines = 0 then 'UNPAID'
            when payment_lines > 1 then 'DUPLICATE'
            when paid_idr < expected_idr then 'UNDERPAID'
            when paid_idr > expected_idr then 'OVERPAID'
            when last_paid_date > due_date then 'LATE'
            else 'MATCHED'
        end as category

    from facts

)

select * from categorised
