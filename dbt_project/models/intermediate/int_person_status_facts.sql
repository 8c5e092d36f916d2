-- What marts.recipient_distribution counts of each candidate that no payment file changes:
-- address at selection, age band, sex, desil, category, eligibility and selection. A table
-- of its own so that an incremental build after a payment file (which changes enrollment)
-- joins the enrollment to these 2.6 M rows instead of redoing the joins behind them. Keyed
-- by NIK, ETL-only like all of intermediate: no BI relation has a row per person.
with

ranked as (

    select * from {{ ref('int_eligibility_ranked') }}

),

residents as (

    select * from {{ ref('int_dukcapil_residents_at_selection') }}

),

wilayah as (

    select * from {{ ref('wilayah_kota_bekasi') }}

),

final as (

    select
        ranked.nik,
        wilayah.kode_kecamatan,
        wilayah.nama_kecamatan,
        wilayah.kode_kelurahan,
        wilayah.nama_kelurahan,
        {{ age_band('ranked.age_at_coverage_start') }} as age_band,
        residents.jenis_kelamin,
        ranked.desil,
        ranked.kategori_informal,
        ranked.is_eligible,
        ranked.reasons,
        ranked.is_selected,
        ranked.waitlist_rank is not null as is_waitlisted

    from ranked
    left join residents
        on ranked.nik = residents.nik
    left join wilayah
        on ranked.kode_kelurahan = wilayah.kode_kelurahan

)

select * from final
