{#
    The rules of program-rules.md section 3, each in one column: the one place a reason
    code is decided. `facts` is the calling model's CTE built by the eligibility_facts macro:
    one row per person with is_in_dukcapil, status_hidup, tanggal_kematian, kode_kota,
    age_at_coverage_start, kategori_informal, desil, is_covered_by_other_payer and the
    parameters program_kode_kota, min_age, max_age, max_desil. The three rules that need civil-registry facts are not
    evaluated for a NIK that is not in Dukcapil (NOT_IN_DUKCAPIL instead).
    `deceased_on_or_before`: a death on or before this SQL date counts (the selection uses
    selection_date); none: any recorded death counts (the waiting-list re-check on the latest
    snapshots). Returns facts.*, one reason_<code> column per rule and reason_codes, the
    failing codes sorted in byte order.
    Used by int_eligibility_reasons (selection) and int_eligibility_latest (the waiting list, latest).
#}
{% macro eligibility_rules(facts, deceased_on_or_before=none) -%}
    {#- The failing codes in byte order: the order of the codes is known when the SQL is
        compiled, so each row builds its array without sorting (a sort per row of 2.6 M). -#}
    {%- set reason_columns = {
        'NOT_IN_DUKCAPIL': 'reason_not_in_dukcapil',
        'DECEASED': 'reason_deceased',
        'NOT_BEKASI_RESIDENT': 'reason_not_bekasi_resident',
        'AGE_OUT_OF_RANGE': 'reason_age_out_of_range',
        'NOT_INFORMAL_WORKER': 'reason_not_informal_worker',
        'DESIL_ABOVE_MAX': 'reason_desil_above_max',
        'ALREADY_COVERED': 'reason_already_covered',
    } -%}
    select
        rules.*,
        array_remove(array[
            {%- for code in reason_columns | sort(case_sensitive=true) %}
            rules.{{ reason_columns[code] }}{{ ',' if not loop.last }}
            {%- endfor %}
        ], null) as reason_codes
    from (
        select
            {{ facts }}.*,

            ---------- civil registry
            case
                when not {{ facts }}.is_in_dukcapil then 'NOT_IN_DUKCAPIL'
            end as reason_not_in_dukcapil,

            case
                when
                    {{ facts }}.is_in_dukcapil
                    and (
                        {{ facts }}.status_hidup = 'MATI'
                        {%- if deceased_on_or_before is not none %}
                            or {{ facts }}.tanggal_kematian <= {{ deceased_on_or_before }}
                        {%- else %}
                            or {{ facts }}.tanggal_kematian is not null
                        {%- endif %}
                    )
                    then 'DECEASED'
            end as reason_deceased,

            case
                when
                    {{ facts }}.is_in_dukcapil
                    and coalesce({{ facts }}.kode_kota <> {{ facts }}.program_kode_kota, true)
                    then 'NOT_BEKASI_RESIDENT'
            end as reason_not_bekasi_resident,

            case
                when
                    {{ facts }}.is_in_dukcapil
                    and coalesce(
                        {{ facts }}.age_at_coverage_start
                        not between {{ facts }}.min_age and {{ facts }}.max_age,
                        true
                    )
                    then 'AGE_OUT_OF_RANGE'
            end as reason_age_out_of_range,

            ---------- DTSEN
            case
                when {{ facts }}.kategori_informal is null then 'NOT_INFORMAL_WORKER'
            end as reason_not_informal_worker,

            case
                when coalesce({{ facts }}.desil > {{ facts }}.max_desil, true) then 'DESIL_ABOVE_MAX'
            end as reason_desil_above_max,

            ---------- BPJS
            case
                when {{ facts }}.is_covered_by_other_payer then 'ALREADY_COVERED'
            end as reason_already_covered

        from {{ facts }}
    ) as rules
{%- endmacro %}
