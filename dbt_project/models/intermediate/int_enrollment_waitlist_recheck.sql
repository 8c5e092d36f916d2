-- The waiting list re-checked on the latest snapshots (program-rules.md section 5): every
-- rule of section 3 (the eligibility_rules macro, as for the selection) on the latest DTSEN,
-- Dukcapil and BPJS snapshots, age still on the first day of coverage_start_month. Ranks
-- never change (section 4). A waitlisted person missing from the latest DTSEN has no desil
-- and no occupation there, so fails the two DTSEN rules.
-- is_still_eligible: no rule fails, any recorded death included. A death only decides which
-- slots the person could fill (alive on the slot's first day), so the allocation
-- (int_enrollment_slot_allocation) reads is_eligible_while_alive and died_on.
-- A person an earlier published version called (stg_history__replacement_calls) is a
-- participant: only death stops them being callable, whatever later snapshots say. Anyone
-- ranked before the last of them who was not called was passed over then, and stays so: a
-- later snapshot cannot put them before people already called.
with

ranked as (

    select * from {{ ref('int_eligibility_ranked') }}

),

dtsen as (

    select * from {{ ref('stg_dtsen__individuals') }}

    where batch_id = {{ latest_batch('dtsen') }}

),

residents as (

    select * from {{ ref('int_dukcapil_residents_latest') }}

),

memberships as (

    select * from {{ ref('int_bpjs_memberships_latest') }}

),

informal_jobs as (

    select * from {{ ref('pekerjaan_informal') }}

),

parameters as (

    select * from {{ ref('int_program_parameters') }}

),

called_before as (

    select * from {{ ref('stg_history__replacement_calls') }}

),

waitlist as (

    select
        nik,
        priority_rank,
        waitlist_rank

    from ranked

    where waitlist_rank is not null

),

latest_dtsen as (

    -- A NIK on several rows takes the lowest desil, then the lowest id_keluarga (section 3).
    select distinct on (dtsen.nik)
        dtsen.nik,
        dtsen.desil,
        dtsen.pekerjaan_label

    from dtsen
    inner join waitlist
        on dtsen.nik = waitlist.nik

    order by dtsen.nik asc, dtsen.desil asc nulls last, dtsen.id_keluarga asc, dtsen.line_no asc

),

informal_categories as (

    select distinct
        meta.normalize_label(pekerjaan_utama) as pekerjaan_label,
        kategori_informal

    from informal_jobs

),

covered_by_other_payer as (

    {{ covered_by_other_payer() }}

),

facts as (

    select
        waitlist.nik,
        waitlist.priority_rank,
        waitlist.waitlist_rank,
        latest_dtsen.desil,
        informal_categories.kategori_informal,
        residents.nik is not null as is_in_dukcapil,
        residents.status_hidup,
        residents.tanggal_kematian,
        residents.kode_kota,
        cast(
            extract(year from age(parameters.coverage_start_month, residents.tanggal_lahir))
            as integer
        ) as age_at_coverage_start,
        covered_by_other_payer.nik is not null as is_covered_by_other_payer,
        parameters.min_age,
        parameters.max_age,
        parameters.max_desil,
        parameters.kode_kota as program_kode_kota,
        residents.nama_lengkap as nama,
        residents.kode_kelurahan,
        residents.nama_kelurahan,
        residents.kode_kecamatan,
        residents.nama_kecamatan

    from waitlist
    cross join parameters
    left join latest_dtsen
        on waitlist.nik = latest_dtsen.nik
    left join informal_categories
        on latest_dtsen.pekerjaan_label = informal_categories.pekerjaan_label
    left join residents
        on waitlist.nik = residents.nik
    left join covered_by_other_payer
        on waitlist.nik = covered_by_other_payer.nik

),

rules as (

    {{ eligibility_rules('facts') }}

),

last_called as (

    select coalesce(max(waitlist.waitlist_rank), 0) as waitlist_rank

    from waitlist
    inner join called_before
        on waitlist.nik = called_before.nik

),

final as (

    select
        rules.nik,
        rules.priority_rank,
        rules.waitlist_rank,
        cardinality(rules.reason_codes) = 0 as is_still_eligible,
        array_to_string(rules.reason_codes, ',') as recheck_reasons,
        case
            when rules.nik in (select called_before.nik from called_before)
                then not coalesce(rules.status_hidup = 'MATI' and rules.tanggal_kematian is null, false)
            else
                cardinality(array_remove(rules.reason_codes, 'DECEASED')) = 0
                and not coalesce(rules.status_hidup = 'MATI' and rules.tanggal_kematian is null, false)
                and rules.waitlist_rank > last_called.waitlist_rank
        end as is_eligible_while_alive,
        rules.tanggal_kematian as died_on,
        rules.desil,
        rules.kategori_informal,
        rules.nama,
        rules.kode_kelurahan,
        rules.nama_kelurahan,
        rules.kode_kecamatan,
        rules.nama_kecamatan

    from rules
    cross join last_called

)

select * from final
