-- What BPJS Ketenagakerjaan needs to register each selected person as a BPU member
-- paid by the city: identity and address from Dukcapil (the civil registry is
-- authoritative), occupation from DTSEN, in priority order. Exported as CSV by
-- rentan.reports.exports.export_registration.
with

selected as (

    select * from {{ ref('int_eligibility_ranked') }}

    where is_selected

),

residents as (

    select * from {{ ref('int_dukcapil_residents_at_selection') }}

),

wilayah as (

    select * from {{ ref('wilayah_kota_bekasi') }}

),

parameters as (

    select * from {{ ref('int_program_parameters') }}

),

final as (

    select
        selected.priority_rank,
        selected.nik,
        residents.no_kk,
        residents.nama_lengkap as nama,
        residents.jenis_kelamin,
        residents.tempat_lahir,
        residents.tanggal_lahir,
        residents.alamat,
        residents.rt,
        residents.rw,
        residents.kode_wilayah as kode_kelurahan,
        wilayah.nama_kelurahan,
        wilayah.nama_kecamatan,
        wilayah.nama_kota,
        selected.pekerjaan_utama,
        selected.kategori_informal,
        'BPU' as segmen,
        parameters.program_payer_code as sumber_iuran,
        parameters.declared_income_idr as penghasilan_idr,
        parameters.coverage_start_month

    from selected
    cross join parameters
    inner join residents
        on selected.nik = residents.nik
    left join wilayah
        on residents.kode_wilayah = wilayah.kode_kelurahan

)

select * from final
