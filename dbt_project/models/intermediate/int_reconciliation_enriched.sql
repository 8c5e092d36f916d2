-- The reconciliation rows with what the finance office needs to act on them: the person's
-- name and kecamatan (a participant's from enrollment, anyone else's from the latest
-- Dukcapil snapshot, else the name on the payment line), enrollment status, and the
-- category's precedence and report label.
with

reconciliation as (

    select * from {{ ref('int_reconciliation_categorised') }}

),

participants as (

    select * from {{ ref('int_enrollment_participants') }}

),

residents as (

    select * from {{ ref('int_dukcapil_residents_latest') }}

),

categories as (

    select * from {{ ref('reconciliation_categories') }}

),

vocabulary as (

    select * from {{ ref('int_vocabulary') }}

),

enriched as (

    select
        reconciliation.*,
        categories.precedence as category_precedence,
        vocabulary.label as category_label,
        participants.status as enrollment_status,
        participants.enrolled_month,
        coalesce(participants.nama, residents.nama_lengkap, reconciliation.nama_on_payment) as nama,
        case
            when participants.nik is not null then participants.kode_kecamatan
            else residents.kode_kecamatan
        end as kode_kecamatan,
        case
            when participants.nik is not null then participants.nama_kecamatan
            else residents.nama_kecamatan
        end as nama_kecamatan

    from reconciliation
    left join participants
        on reconciliation.nik = participants.nik
    left join residents
        on reconciliation.nik = residents.nik
    left join categories
        on reconciliation.category = categories.category
    left join vocabulary
        on vocabulary.domain = 'reconciliation_category' and reconciliation.category = vocabulary.code

)

select * from enriched
