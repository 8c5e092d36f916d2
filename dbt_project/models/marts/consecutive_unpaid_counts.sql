-- Participants behind on their premium, counted (ops.consecutive_unpaid without NIK, KPJ or
-- name): per period, kecamatan and run of consecutive UNPAID months (every kecamatan for each
-- band that occurs that month, zero when nobody, and the whole city as kode_kecamatan KOTA),
-- how many BPJS is due to deactivate, and the rupiah unpaid over their runs. The city's rows
-- describe the whole city and are shown as they are. No small group (marts.md): a band of fewer than
-- bi_min_group_size people in a kecamatan (or a small number due for deactivation in it)
-- shows no numbers, and wherever that would leave one hidden kecamatan in a month's band,
-- the smallest other one is hidden with it.
{%- set columns = [
    'period', 'kode_kecamatan', 'nama_kecamatan', 'consecutive_unpaid_band', 'band_min_months',
    'persons', 'persons_deactivation_due', 'unpaid_idr',
] %}
with

unpaid as (

    select * from {{ ref('consecutive_unpaid') }}

),

wilayah as (

    select * from {{ ref('wilayah_kota_bekasi') }}

),

vocabulary as (

    select * from {{ ref('int_vocabulary') }}

),

kecamatan as (

    select distinct
        kode_kecamatan,
        nama_kecamatan

    from wilayah

    union all

    select
        'UNKNOWN' as kode_kecamatan,
        area.label as nama_kecamatan

    from vocabulary as area

    where area.domain = 'area' and area.code = 'UNKNOWN'

),

banded as (

    select
        *,
        case
            when consecutive_unpaid_months >= 4 then '4+ bulan'
            else consecutive_unpaid_months || ' bulan'
        end as consecutive_unpaid_band

    from unpaid

),

counted as (

    select
        period,
        coalesce(kode_kecamatan, 'UNKNOWN') as kode_kecamatan,
        consecutive_unpaid_band,
        cast(count(*) as integer) as persons,
        cast(count(*) filter (where is_bpjs_deactivation_due) as integer) as persons_deactivation_due,
        cast(sum(unpaid_idr) as bigint) as unpaid_idr

    from banded

    group by period, coalesce(kode_kecamatan, 'UNKNOWN'), consecutive_unpaid_band

),

bands as (

    select
        period,
        consecutive_unpaid_band,
        min(consecutive_unpaid_months) as band_min_months

    from banded

    group by period, consecutive_unpaid_band

),

grid as (

    select
        bands.period,
        kecamatan.kode_kecamatan,
        kecamatan.nama_kecamatan,
        bands.consecutive_unpaid_band,
        bands.band_min_months,
        coalesce(counted.persons, 0) as persons,
        coalesce(counted.persons_deactivation_due, 0) as persons_deactivation_due,
        coalesce(counted.unpaid_idr, 0) as unpaid_idr,
        {{ is_small_group('coalesce(counted.persons, 0)') }}
        or {{ is_small_group('coalesce(counted.persons_deactivation_due, 0)') }} as is_hidden

    from bands
    cross join kecamatan
    left join counted
        on
            bands.period = counted.period
            and bands.consecutive_unpaid_band = counted.consecutive_unpaid_band
            and kecamatan.kode_kecamatan = counted.kode_kecamatan

),

by_band as (

    {{ hide_lonely_cells('grid', columns, 'period, consecutive_unpaid_band', 'persons, kode_kecamatan') }}

),

city as (

    select
        bands.period,
        'KOTA' as kode_kecamatan,
        (select max(wilayah.nama_kota) as nama_kota from wilayah) as nama_kecamatan,
        bands.consecutive_unpaid_band,
        bands.band_min_months,
        false as is_hidden,
        coalesce(sum(counted.persons), 0) as persons,
        coalesce(sum(counted.persons_deactivation_due), 0) as persons_deactivation_due,
        coalesce(sum(counted.unpaid_idr), 0) as unpaid_idr

    from bands
    left join counted
        on
            bands.period = counted.period
            and bands.consecutive_unpaid_band = counted.consecutive_unpaid_band

    group by bands.period, bands.consecutive_unpaid_band, bands.band_min_months

),

shown as (

    select
        period,
        kode_kecamatan,
        nama_kecamatan,
        consecutive_unpaid_band,
        band_min_months,
        is_hidden,
        persons,
        persons_deactivation_due,
        unpaid_idr

    from by_band

    union all

    select * from city

),

final as (

    select
        period,
        {{ month_label('period') }} as month_label,
        {{ month_order('period') }} as month_order,
        kode_kecamatan,
        nama_kecamatan,
        consecutive_unpaid_band,
        band_min_months,
        is_hidden as is_suppressed,
        case when not is_hidden then persons end as persons,
        case when not is_hidden then persons_deactivation_due end as persons_deactivation_due,
        case when not is_hidden then unpaid_idr end as unpaid_idr

    from shown

)

select * from final
