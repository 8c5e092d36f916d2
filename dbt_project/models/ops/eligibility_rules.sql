-- The eligibility rules of program-rules.md section 3 as an officer reads them: one row per
-- reason code, in the rulebook's order, the rule in Bahasa Indonesia with this version's
-- parameters, and the ops.person_case columns holding the facts that decide it. The
-- decision itself is int_eligibility_reasons' (ops.person_case.reasons); a rule that needs
-- civil-registry facts is not evaluated for a NIK missing from Dukcapil.
with

reason_codes as (

    select * from {{ ref('eligibility_reason_codes') }}

),

vocabulary as (

    select * from {{ ref('int_vocabulary') }}

),

parameters as (

    select * from {{ ref('int_program_parameters') }}

),

rules as (

    select
        rule_order,
        reason_code,
        needs_dukcapil,
        fact_columns

    -- needs_dukcapil: the rules that need civil-registry facts, not evaluated for a NIK
    -- missing from Dukcapil (program-rules.md section 3).
    from (
        values
        (1, 'NOT_IN_DUKCAPIL', false, array['is_in_dukcapil', 'dukcapil_snapshot_date']),
        (2, 'DECEASED', true, array['status_hidup', 'tanggal_kematian']),
        (3, 'NOT_BEKASI_RESIDENT', true, array['kode_kelurahan', 'nama_kelurahan', 'kode_kota']),
        (4, 'AGE_OUT_OF_RANGE', true, array['tanggal_lahir', 'age_at_coverage_start']),
        (5, 'NOT_INFORMAL_WORKER', false, array['pekerjaan_utama', 'kategori_informal']),
        (6, 'DESIL_ABOVE_MAX', false, array['desil']),
        (7, 'ALREADY_COVERED', false, array['is_covered_by_other_payer'])
    ) as catalogue (rule_order, reason_code, needs_dukcapil, fact_columns)

),

final as (

    select
        rules.rule_order,
        rules.reason_code,
        case rules.reason_code
            when 'NOT_IN_DUKCAPIL' then 'Terdaftar di Dukcapil pada tanggal seleksi'
            when 'DECEASED'
                then
                    'Masih hidup menurut Dukcapil pada tanggal seleksi '
                    || to_char(parameters.selection_date, 'YYYY-MM-DD')
            when 'NOT_BEKASI_RESIDENT'
                then 'Alamat Dukcapil saat ini di kode kota ' || parameters.kode_kota
            when 'AGE_OUT_OF_RANGE'
                then
                    'Usia pada ' || to_char(parameters.coverage_start_month, 'YYYY-MM-DD')
                    || ' antara ' || parameters.min_age || ' dan ' || parameters.max_age || ' tahun'
            when 'NOT_INFORMAL_WORKER'
                then 'Pekerjaan utama DTSEN termasuk pekerjaan informal'
            when 'DESIL_ABOVE_MAX'
                then 'Desil DTSEN terisi dan paling tinggi ' || parameters.max_desil
            when 'ALREADY_COVERED'
                then
                    'Tidak punya kepesertaan BPJS aktif yang iurannya dibayar pihak lain selain program ('
                    || parameters.program_payer_code || ')'
        end as aturan,
        vocabulary.label,
        vocabulary.meaning as description,
        vocabulary.action,
        rules.needs_dukcapil,
        rules.fact_columns

    from rules
    cross join parameters
    inner join reason_codes
        on rules.reason_code = reason_codes.reason_code
    inner join vocabulary
        on vocabulary.domain = 'eligibility_reason' and rules.reason_code = vocabulary.code

)

select * from final
