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

latest_snapshot_per_nik as (

    select
        nik,
        max(snapshot_date) as snapshot_date

    from program_memberships

    group by nik

),

in_latest_snapshot as (

    select
        program_memberships.*,
        -- A KPJ on two rows of one snapshot is one membership.
        row_number() over (
            partition by program_memberships.nik, program_memberships.kpj
            order by program_memberships.tgl_kepesertaan asc nulls last, program_memberships.line_no asc
        ) as kpj_row_order

    from program_memberships
    inner join latest_snapshot_per_nik
        on
            program_memberships.nik = latest_snapshot_per_nik.nik
            and program_memberships.snapshot_date = latest_snapshot_per_nik.snapshot_date

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
