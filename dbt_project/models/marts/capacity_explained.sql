-- The capacity arithmetic of program-rules.md section 2 as the "Ringkasan Program" dashboard
-- shows it, in Bahasa Indonesia: the premium, the annual premium, what the budget pays for,
-- the capacity and which limit binds (its vocabulary label and meaning). One row, no
-- personal data.
with

capacity as (

    select * from {{ ref('program_capacity') }}

),

parameters as (

    select * from {{ ref('int_program_parameters') }}

),

vocabulary as (

    select * from {{ ref('int_vocabulary') }}

),

final as (

    select
        capacity.capacity,
        capacity.binding_constraint,
        binding_code.label as binding_label,
        binding_code.meaning as binding_meaning,
        binding_code.action as binding_action,
        'Iuran per bulan = JKK '
        || replace(rtrim(to_char(parameters.jkk_rate * 100, 'FM990.99'), '.'), '.', ',')
        || '% x Rp' || {{ id_number('parameters.declared_income_idr') }}
        || ' + JKM Rp' || {{ id_number('parameters.jkm_monthly_idr') }}
        || ' = Rp' || {{ id_number('parameters.monthly_premium_idr') }}
        || '. Iuran setahun = Rp' || {{ id_number('parameters.monthly_premium_idr') }}
        || ' x ' || parameters.months_covered
        || ' bulan = Rp' || {{ id_number('parameters.annual_premium_idr') }}
        || '. Anggaran Rp' || {{ id_number('parameters.budget_idr') }}
        || ' cukup untuk ' || {{ id_number('parameters.budget_capacity') }}
        || ' orang; kuota ' || {{ id_number('parameters.quota') }}
        || ' orang. Kapasitas = yang lebih kecil = ' || {{ id_number('capacity.capacity') }}
        || ' orang (yang membatasi: ' || lower(binding_code.label) || ').' as arithmetic_text

    from capacity
    cross join parameters
    inner join vocabulary as binding_code
        on binding_code.domain = 'binding_constraint' and capacity.binding_constraint = binding_code.code

)

select * from final
