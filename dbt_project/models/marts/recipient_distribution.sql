-- Who the programme reaches, pre-aggregated for the "Sebaran Penerima" dashboard (so its
-- charts read thousands of rows, not one per candidate): candidates, eligible, selected,
-- wait-listed and active participants per kelurahan, age band, sex, desil and informal-work
-- category. Built from marts.person_status; counts only.
with

persons as (

    select * from {{ ref('person_status') }}

),

final as (

    select
        kode_kecamatan,
        coalesce(nama_kecamatan, '(di luar Kota Bekasi / tidak diketahui)') as nama_kecamatan,
        kode_kelurahan,
        coalesce(nama_kelurahan, '(di luar Kota Bekasi / tidak diketahui)') as nama_kelurahan,
        coalesce(age_band, '(tidak diketahui)') as age_band,
        coalesce(jenis_kelamin, '(tidak diketahui)') as jenis_kelamin,
        desil,
        coalesce(kategori_informal, '(bukan pekerja informal)') as kategori_informal,
        cast(count(*) as integer) as candidates,
        cast(count(*) filter (where is_eligible) as integer) as eligible,
        cast(count(*) filter (where is_selected) as integer) as selected,
        cast(count(*) filter (where is_waitlisted) as integer) as waitlisted,
        cast(count(*) filter (where enrollment_status = 'ACTIVE') as integer) as active_participants

    from persons

    group by
        kode_kecamatan,
        nama_kecamatan,
        kode_kelurahan,
        nama_kelurahan,
        age_band,
        jenis_kelamin,
        desil,
        kategori_informal

)

select * from final
