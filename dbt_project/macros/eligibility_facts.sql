{#
    The facts the rules of program-rules.md section 3 read, for one row per person of `people`
    (a CTE of the calling model with nik, desil and pekerjaan_label from a DTSEN row), from a
    civil-registry snapshot `residents` (nik, tanggal_lahir, jenis_kelamin, kode_wilayah,
    status_hidup, tanggal_kematian) and a BPJS membership snapshot `memberships`: the one place
    the occupation is mapped to its informal category, age is counted, residence and other
    payers are read. Returns people.* and the facts the eligibility_rules macro reads.
    Used by int_eligibility_reasons (the selection snapshots) and int_eligibility_latest (the
    waiting list on the latest snapshots): the same rules on other snapshots.
#}
{% macro eligibility_facts(people, residents, memberships) -%}
    select
        {{ people }}.*,
        informal_categories.kategori_informal,
        {{ residents }}.nik is not null as is_in_dukcapil,
        {{ residents }}.tanggal_lahir,
        {{ residents }}.jenis_kelamin,
        {{ residents }}.kode_wilayah as kode_kelurahan,
        left({{ residents }}.kode_wilayah, 4) as kode_kota,
        {{ residents }}.status_hidup,
        {{ residents }}.tanggal_kematian,
        {{ residents }}.batch_id as dukcapil_batch_id,
        -- Age in whole years on the first day of coverage_start_month.
        cast(
            extract(year from age(parameters.coverage_start_month, {{ residents }}.tanggal_lahir)) as integer
        ) as age_at_coverage_start,
        other_payer.nik is not null as is_covered_by_other_payer,
        parameters.selection_date,
        parameters.min_age,
        parameters.max_age,
        parameters.max_desil,
        parameters.kode_kota as program_kode_kota
    from {{ people }}
    cross join {{ ref('int_program_parameters') }} as parameters
    left join (
        select distinct
            meta.normalize_label(informal_jobs.pekerjaan_utama) as pekerjaan_label,
            informal_jobs.kategori_informal
        from {{ ref('pekerjaan_informal') }} as informal_jobs
    ) as informal_categories
        on {{ people }}.pekerjaan_label = informal_categories.pekerjaan_label
    left join {{ residents }}
        on {{ people }}.nik = {{ residents }}.nik
    left join (
        -- ALREADY_COVERED: an AKTIF membership paid by someone other than the programme.
        select distinct covered.nik
        from {{ memberships }} as covered
        cross join {{ ref('int_program_parameters') }} as payer
        where covered.status_kepesertaan = 'AKTIF' and covered.sumber_iuran <> payer.program_payer_code
    ) as other_payer
        on {{ people }}.nik = other_payer.nik
{%- endmacro %}

{#
    Which of a NIK's several DTSEN rows of one snapshot is the candidate's (program-rules.md
    section 3): the lowest desil (an empty one last), then the lowest id_keluarga compared byte
    by byte whatever the server's locale; the line number only orders fully identical rows.
#}
{% macro dtsen_preferred_row_order(rows) -%}
    {{ rows }}.desil asc nulls last, {{ rows }}.id_keluarga collate "C" asc, {{ rows }}.line_no asc
{%- endmacro %}
