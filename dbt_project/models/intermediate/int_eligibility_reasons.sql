-- Every eligibility rule of program-rules.md section 3 on the snapshots in force on the
-- selection date. The facts and the rules are the eligibility_facts and eligibility_rules
-- macros, shared with the waiting list's re-check on the latest snapshots
-- (int_eligibility_latest): the one place a reason code is decided. A candidate keeps every
-- failing code.
with

candidates as (

    -- The DTSEN facts the rules and the ranking read; the civil registry's come from the macro.
    select
        nik,
        id_keluarga,
        desil,
        household_size,
        nik_rows,
        pekerjaan_utama,
        pekerjaan_label,
        batch_id

    from {{ ref('int_dtsen_candidates_deduplicated') }}

),

residents as (

    select * from {{ ref('int_dukcapil_residents_at_selection') }}

),

memberships as (

    select * from {{ ref('int_bpjs_memberships_at_selection') }}

),

facts as (

    {{ eligibility_facts('candidates', 'residents', 'memberships') }}

),

rules as (

    {{ eligibility_rules('facts', deceased_on_or_before='facts.selection_date') }}

),

final as (

    select
        nik,
        cardinality(reason_codes) = 0 as is_eligible,
        array_to_string(reason_codes, ',') as reasons,
        id_keluarga,
        desil,
        household_size,
        nik_rows as dtsen_rows,
        pekerjaan_utama,
        kategori_informal,
        is_in_dukcapil,
        tanggal_lahir,
        jenis_kelamin,
        age_at_coverage_start,
        kode_kelurahan,
        status_hidup,
        tanggal_kematian,
        is_covered_by_other_payer,
        batch_id as dtsen_batch_id,
        dukcapil_batch_id

    from rules

)

select * from final
