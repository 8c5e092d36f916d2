-- What every dashboard shows in its header: which published version it reads and how old
-- the data are (the snapshot date of each feed's latest loaded file, the latest month with
-- payment data). The version is the one this build gets when publish logs it: builds
-- publish one at a time (publish.PUBLISH_LOCK), so it is the last logged version + 1.
-- It reads budget_monthly and program_capacity so that every incremental build (which
-- rebuilds what depends on a changed feed) rebuilds it too. No personal data.
with

publish_log as (

    select * from {{ ref('stg_meta__publish_log') }}

),

batches as (

    select * from {{ ref('stg_meta__load_batches') }}

),

capacity as (

    select * from {{ ref('program_capacity') }}

),

budget as (

    select * from {{ ref('budget_monthly') }}

),

vocabulary as (

    select * from {{ ref('int_vocabulary') }}

),

versions as (

    select coalesce(max(version), 0) + 1 as published_version

    from publish_log

),

feeds as (

    select
        max(snapshot_date) filter (where feed = 'dtsen') as dtsen_latest_snapshot_date,
        max(snapshot_date) filter (where feed = 'dukcapil') as dukcapil_latest_snapshot_date,
        max(snapshot_date) filter (where feed = 'bpjs_kepesertaan') as bpjs_kepesertaan_latest_snapshot_date,
        max(snapshot_date) filter (where feed = 'bpjs_iuran') as bpjs_iuran_latest_period

    from batches

),

payments as (

    select max(period) filter (where has_payment_data) as latest_payment_period

    from budget

),

dated as (

    select
        versions.published_version,
        capacity.selection_date,
        payments.latest_payment_period,
        feeds.*,
        greatest(
            feeds.dtsen_latest_snapshot_date,
            feeds.dukcapil_latest_snapshot_date,
            feeds.bpjs_kepesertaan_latest_snapshot_date,
            payments.latest_payment_period
        ) as data_as_of_date

    from versions
    cross join feeds
    cross join payments
    cross join capacity

),

final as (

    select
        dated.published_version,
        cast(now() as timestamp with time zone) as built_at,
        dated.selection_date,
        dated.latest_payment_period,
        dated.dtsen_latest_snapshot_date,
        dated.dukcapil_latest_snapshot_date,
        dated.bpjs_kepesertaan_latest_snapshot_date,
        dated.bpjs_iuran_latest_period,
        dated.data_as_of_date,
        'Versi terbit ' || dated.published_version
        || ' - data per ' || extract(day from dated.data_as_of_date) || ' '
        || {{ id_month('dated.data_as_of_date', 'as_of_month') }}
        || ' - pembayaran s.d. '
        || coalesce({{ id_month('dated.latest_payment_period', 'payment_month') }}, 'belum ada')
            as version_label

    from dated
    left join vocabulary as as_of_month
        on
            as_of_month.domain = 'month'
            and as_of_month.code = cast(extract(month from dated.data_as_of_date) as text)
    left join vocabulary as payment_month
        on
            payment_month.domain = 'month'
            and payment_month.code = cast(extract(month from dated.latest_payment_period) as text)

)

select * from final
