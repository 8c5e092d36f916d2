-- The programme's own BPJS memberships (sumber_iuran = program_payer_code), per NIK from
-- the latest membership snapshot that shows the NIK with one. BPJS checks are partial (the
-- city asks about some NIKs each time), so a NIK missing from a later check keeps what an
-- earlier one showed, while a later check that lists the NIK again replaces the earlier
-- picture (a merged or cancelled KPJ drops out). The earliest tgl_kepesertaan is the
-- programme KPJ (kpj_order = 1); ties go to the lowest KPJ.
with

memberships as (

    select * from {{ ref('stg_bpjs__memberships') }}

),

parameters as (

    select * from {{ ref('int_program_parameters') }}

),

program_memberships as (

    select memberships.*

    from memberships
    inner join parameters
        on memberships.sumber_iuran = parameters.program_payer_code

),

with_latest_snapshot as (

    -- A window, not a join back to the memberships: one pass, whatever the statistics say
    -- (the join's plan sometimes turned into nearly a minute of nested loops).
    select
        program_memberships.*,
        max(program_memberships.snapshot_date)
            over (partition by program_memberships.nik)
            as latest_snapshot_date

    from program_memberships

),

in_latest_snapshot as (

    select
        with_latest_snapshot.*,
        -- A KPJ on two rows of one snapshot is one membership.
        row_number() over (
            partition by with_latest_snapshot.nik, with_latest_snapshot.kpj
            order by with_latest_snapshot.tgl_kepesertaan asc nulls last, with_latest_snapshot.line_no asc
        ) as kpj_row_order

    from with_latest_snapshot

    where with_latest_snapshot.snapshot_date = with_latest_snapshot.latest_snapshot_date

),

ordered as (

    select
        nik,
        kpj,
        nama,
        segmen,
        status_kepesertaan,
        tgl_kepesertaan,
        tgl_nonaktif,
        batch_id,
        snapshot_date,
        cast(row_number() over (
            partition by nik
            order by tgl_kepesertaan asc nulls last, kpj asc
        ) as integer) as kpj_order,
        cast(count(*) over (partition by nik) as integer) as kpj_count

    from in_latest_snapshot

    where kpj_row_order = 1

)

select * from ordered
