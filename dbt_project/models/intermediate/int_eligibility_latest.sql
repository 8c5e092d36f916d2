-- The waiting list re-checked on the latest snapshots (program-rules.md section 5): the rules
-- of section 3 (the eligibility_facts and eligibility_rules macros, as for the selection) on
-- the latest DTSEN, Dukcapil and BPJS snapshots, age still on the first day of
-- coverage_start_month, and any recorded death excludes, whatever its date. Ranks never
-- change (section 4). A waitlisted person missing from the latest DTSEN has no desil and no
-- occupation there, so fails the two DTSEN rules. Whether a person was called is the
-- ledger's (int_enrollment_decided); who is called next, the allocation's.
with

ranked as (

    select * from {{ ref('int_eligibility_ranked') }}

),

-- The latest DTSEN snapshot, typed. It is the selection's snapshot until DTSEN delivers a newer
-- one, and that one is already typed in int_dtsen_individuals_at_selection: staging types the
-- 2.6 M rows again only for a newer delivery (the second branch reads nothing otherwise).
{%- set dtsen_columns = 'batch_id, line_no, nik, id_keluarga, desil, pekerjaan_label' %}
dtsen_at_selection as (

    select {{ dtsen_columns }} from {{ ref('int_dtsen_individuals_at_selection') }}

),

dtsen as (

    select {{ dtsen_columns }} from dtsen_at_selection

    where batch_id = {{ latest_batch('dtsen') }}

    union all

    select {{ dtsen_columns }} from {{ ref('stg_dtsen__individuals') }}

    where
        batch_id = {{ latest_batch('dtsen') }}
        and not exists (
            select from dtsen_at_selection
            where dtsen_at_selection.batch_id = {{ latest_batch('dtsen') }}
        )

),

residents as (

    select * from {{ ref('int_dukcapil_residents_latest') }}

),

memberships as (

    select * from {{ ref('int_bpjs_memberships_latest') }}

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

    select distinct on (dtsen.nik)
        dtsen.nik,
        dtsen.desil,
        dtsen.pekerjaan_label

    from dtsen
    inner join waitlist
        on dtsen.nik = waitlist.nik

    order by dtsen.nik asc, {{ dtsen_preferred_row_order('dtsen') }}

),

people as (

    select
        waitlist.nik,
        waitlist.priority_rank,
        waitlist.waitlist_rank,
        latest_dtsen.desil,
        latest_dtsen.pekerjaan_label

    from waitlist
    left join latest_dtsen
        on waitlist.nik = latest_dtsen.nik

),

facts as (

    {{ eligibility_facts('people', 'residents', 'memberships') }}

),

rules as (

    {{ eligibility_rules('facts') }}

),

final as (

    select
        rules.nik,
        rules.priority_rank,
        rules.waitlist_rank,
        cardinality(rules.reason_codes) = 0 as is_still_eligible,
        array_to_string(rules.reason_codes, ',') as recheck_reasons,
        rules.tanggal_kematian as died_on,
        rules.desil,
        rules.kategori_informal,
        residents.nama_lengkap as nama,
        residents.kode_kelurahan,
        residents.nama_kelurahan,
        residents.kode_kecamatan,
        residents.nama_kecamatan

    from rules
    left join residents
        on rules.nik = residents.nik

)

select * from final
