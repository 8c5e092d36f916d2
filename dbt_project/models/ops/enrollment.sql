{{ config(indexes=[{'columns': ['nik'], 'unique': true}]) }}

-- The enrollment list (marts.md contract): one row per participant (every selected person
-- and every called replacement), their programme KPJ, status, enrolled and exit months and
-- source; then what officers and finance need to act.
with

participants as (

    select * from {{ ref('int_enrollment_participants') }}

),

final as (

    select
        ---------- contract (marts.md)
        nik,
        kpj,
        status,
        enrolled_month,
        exit_month,
        exit_reason,
        source,

        ---------- who and where
        priority_rank,
        nama,
        kode_kelurahan,
        nama_kelurahan,
        kode_kecamatan,
        nama_kecamatan,

        ---------- why
        died_on,
        kpj_count,
        tgl_kepesertaan,
        bpjs_status_kepesertaan,
        membership_snapshot_date,

        ---------- a replacement's slot (ops.replacement_list)
        holding_from,
        call_order,
        replaces_nik,
        slot_start_month,
        called_in_version,
        is_new_call

    from participants

)

select * from final
