{{ config(indexes=[{'columns': ['nik'], 'unique': true}]) }}

-- The eligibility list officers work from: one row per candidate NIK of the selection
-- snapshot, the marts.md contract columns first, then the facts behind the decision.
with

ranked as (

    select * from {{ ref('int_eligibility_ranked') }}

),

final as (

    select
        ---------- contract (marts.md)
        nik,
        is_eligible,
        reasons,
        priority_rank,
        is_selected,
        waitlist_rank,

        ---------- why
        desil,
        household_size,
        id_keluarga,
        kategori_informal,
        pekerjaan_utama,
        is_in_dukcapil,
        age_at_coverage_start,
        tanggal_lahir,
        kode_kelurahan,
        status_hidup,
        tanggal_kematian,
        is_covered_by_other_payer,
        dtsen_rows,
        dtsen_batch_id,
        dukcapil_batch_id

    from ranked

)

select * from final
