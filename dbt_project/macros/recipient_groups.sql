{#- The codes marts.recipient_distribution counts a candidate under, from a row of
    int_person_status_facts: its kecamatan, kelurahan, age band, sex, desil and informal-work
    category, with UNKNOWN (NONE for the category) where the facts have none. One definition for
    the counts fixed at selection (int_person_status_groups) and the active participants. -#}
{% macro recipient_group_codes(facts) -%}
    coalesce({{ facts }}.kode_kecamatan, 'UNKNOWN') as kecamatan_code,
    coalesce({{ facts }}.kode_kelurahan, 'UNKNOWN') as kelurahan_code,
    coalesce({{ facts }}.age_band, 'UNKNOWN') as age_band_code,
    coalesce({{ facts }}.jenis_kelamin, 'UNKNOWN') as sex_code,
    coalesce(cast({{ facts }}.desil as text), 'UNKNOWN') as desil_code,
    coalesce({{ facts }}.kategori_informal, 'NONE') as category_code
{%- endmacro %}
