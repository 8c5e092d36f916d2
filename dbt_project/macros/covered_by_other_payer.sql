{#
    The fact behind ALREADY_COVERED (program-rules.md section 3), defined once: the NIKs
    with an AKTIF BPJS membership paid by someone other than the programme. `memberships`
    and `parameters` are the calling model's CTEs (a membership snapshot, int_program_parameters).
    Used for the selection (int_eligibility_reasons) and for the waiting-list re-check
    against the latest snapshot (int_enrollment_waitlist_recheck).
#}
{% macro covered_by_other_payer(memberships='memberships', parameters='parameters') -%}
    select distinct {{ memberships }}.nik
    from {{ memberships }}
    cross join {{ parameters }}
    where
        {{ memberships }}.status_kepesertaan = 'AKTIF'
        and {{ memberships }}.sumber_iuran <> {{ parameters }}.program_payer_code
{%- endmacro %}
