-- The waiting list re-checked against the latest snapshots (program-rules.md section 5):
-- a replacement must still be in the civil registry, alive, living in Kota Bekasi, and not
-- covered by another payer now. Ranks never change (section 4); DTSEN facts and age stay
-- those of the selection.
with

ranked as (

    select * from {{ ref('int_eligibility_ranked') }}

),

residents as (

    select * from {{ ref('int_dukcapil_residents_latest') }}

),

memberships as (

    select * from {{ ref('int_bpjs_memberships_latest') }}

),

parameters as (

    select * from {{ ref('int_program_parameters') }}

),

waitlist as (

    select
        nik,
        priority_rank,
        waitlist_rank

    from ranked

    where waitlist_rank is not null

),

covered_by_other_payer as (

    {{ covered_by_other_payer() }}

),

rules as (

    select
        waitlist.nik,
        waitlist.priority_rank,
        waitlist.waitlist_rank,
        residents.nama_lengkap as nama,
        residents.kode_kelurahan,
        residents.nama_kelurahan,
        residents.kode_kecamatan,
        residents.nama_kecamatan,
        -- in byte order, so the list below is sorted
        case when covered_by_other_payer.nik is not null then 'ALREADY_COVERED' end as reason_already_covered,
        case
            when residents.status_hidup = 'MATI' or residents.tanggal_kematian is not null then 'DECEASED'
        end as reason_deceased,
        case
            when residents.kode_kota <> parameters.kode_kota then 'NOT_BEKASI_RESIDENT'
        end as reason_not_bekasi_resident,
        case when residents.nik is null then 'NOT_IN_DUKCAPIL' end as reason_not_in_dukcapil

    from waitlist
    cross join parameters
    left join residents
        on waitlist.nik = residents.nik
    left join covered_by_other_payer
        on waitlist.nik = covered_by_other_payer.nik

),

reasons as (

    select
        *,
        array_to_string(
            array_remove(
                array[
                    reason_already_covered,
                    reason_deceased,
                    reason_not_bekasi_resident,
                    reason_not_in_dukcapil
                ],
                null
            ),
            ','
        ) as recheck_reasons

    from rules

),

final as (

    select
        nik,
        priority_rank,
        waitlist_rank,
        recheck_reasons = '' as is_still_eligible,
        recheck_reasons,
        nama,
        kode_kelurahan,
        nama_kelurahan,
        kode_kecamatan,
        nama_kecamatan

    from reasons

)

select * from final
