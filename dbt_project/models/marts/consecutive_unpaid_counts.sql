-- Participants behind on their premium, counted (ops.consecutive_unpaid without NIK, KPJ or
-- name): per period and kecamatan, how many have 2, 3 or more consecutive UNPAID months,
-- how many BPJS is due to deactivate, and the rupiah unpaid over their runs.
with

unpaid as (

    select * from {{ ref('consecutive_unpaid') }}

),

final as (

    select
        period,
        kode_kecamatan,
        max(nama_kecamatan) as nama_kecamatan,
        case
            when consecutive_unpaid_months >= 4 then '4+ bulan'
            else consecutive_unpaid_months || ' bulan'
        end as consecutive_unpaid_band,
        min(consecutive_unpaid_months) as band_min_months,
        cast(count(*) as integer) as persons,
        cast(count(*) filter (where is_bpjs_deactivation_due) as integer) as persons_deactivation_due,
        cast(sum(unpaid_idr) as bigint) as unpaid_idr

    from unpaid

    group by period, kode_kecamatan, consecutive_unpaid_band

)

select * from final
