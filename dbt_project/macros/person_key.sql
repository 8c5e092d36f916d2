{#- person_key: HMAC-SHA256 of the NIK under the pseudonym key, as hex (RFC 2104, with
    the padded key blocks of secret.pseudonym_key). The model must join that source as
    `key_alias`; BI marts carry this instead of the NIK. -#}
{% macro person_key(nik, key_alias='pseudonym_key') -%}
    encode(sha256({{ key_alias }}.k_opad || sha256({{ key_alias }}.k_ipad || convert_to({{ nik }}, 'UTF8'))), 'hex')
{%- endmacro %}
