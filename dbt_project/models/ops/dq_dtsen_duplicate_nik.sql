-- Data quality: every NIK that appears on more than one row of the DTSEN selection
-- snapshot (a known DTSEN defect), with the row the candidate took. For Dinas Sosial
-- to correct at the source; holds NIKs, so it lives in ops, not marts.
with

individuals as (

    select * from {{ ref('int_dtsen_individuals_at_selection') }}

),

candidates as (

    select * from {{ ref('int_dtsen_candidates_deduplicated') }}

),

duplicated as (

    select
        nik,
        batch_id,
        snapshot_date,
        count(*) as dtsen_rows,
        count(distinct id_keluarga) as households,
        string_agg(id_keluarga, ',' order by id_keluarga) as id_keluarga_list,
        string_agg(coalesce(cast(desil as text), ''), ',' order by id_keluarga) as desil_list,
        string_agg(cast(line_no as text), ',' order by line_no) as line_numbers

    from individuals

    where nik_rows > 1

    group by nik, batch_id, snapshot_date

),

final as (

    select
        duplicated.nik,
        duplicated.dtsen_rows,
        duplicated.households,
        duplicated.id_keluarga_list,
        duplicated.desil_list,
        candidates.id_keluarga as chosen_id_keluarga,
        candidates.desil as chosen_desil,
        duplicated.line_numbers,
        duplicated.batch_id as dtsen_batch_id,
        duplicated.snapshot_date as dtsen_snapshot_date

    from duplicated
    inner join candidates
        on duplicated.nik = candidates.nik

)

select * from final
