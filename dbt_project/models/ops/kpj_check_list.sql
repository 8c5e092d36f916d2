-- People BPJS shows with several programme KPJs (program-rules.md section 5): the earliest
-- tgl_kepesertaan is taken as the programme KPJ, and the case is listed here so an officer
-- asks BPJS to merge or cancel the others (the city must not pay twice).
with

memberships as (

    select * from {{ ref('int_enrollment_program_memberships') }}

),

ranked as (

    select * from {{ ref('int_eligibility_ranked') }}

),

residents as (

    select * from {{ ref('int_dukcapil_residents_latest') }}

),

multiple as (

    select
        nik,
        max(kpj_count) as kpj_count,
        max(kpj) filter (where kpj_order = 1) as chosen_kpj,
        max(tgl_kepesertaan) filter (where kpj_order = 1) as chosen_tgl_kepesertaan,
        string_agg(kpj, ',' order by kpj_order) filter (where kpj_order > 1) as other_kpjs,
        string_agg(
            kpj || ' (' || coalesce(cast(tgl_kepesertaan as text), '?') || ', '
            || coalesce(status_kepesertaan, '?') || ')',
            ', ' order by kpj_order
        ) as memberships,
        max(snapshot_date) as membership_snapshot_date,
        min(nama) as nama_bpjs

    from memberships

    where kpj_count > 1

    group by nik

),

final as (

    select
        multiple.nik,
        coalesce(residents.nama_lengkap, multiple.nama_bpjs) as nama,
        multiple.kpj_count,
        multiple.chosen_kpj,
        multiple.chosen_tgl_kepesertaan,
        multiple.other_kpjs,
        multiple.memberships,
        coalesce(ranked.is_selected, false) as is_selected,
        ranked.priority_rank,
        multiple.membership_snapshot_date

    from multiple
    left join ranked
        on multiple.nik = ranked.nik
    left join residents
        on multiple.nik = residents.nik

)

select * from final
