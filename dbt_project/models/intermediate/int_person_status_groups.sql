-- The candidates of the selection counted per combination of the codes marts.recipient_distribution
-- shows (macro recipient_group_codes): how many, eligible, selected and wait-listed. Nothing here
-- changes with payments, so a month's build sums these few thousand rows and the active
-- participants instead of reading every candidate again.
with

facts as (

    select * from {{ ref('int_person_status_facts') }}

),

grouped as (

    select
        {{ recipient_group_codes('facts') }},
        cast(count(*) as integer) as candidates,
        cast(count(*) filter (where facts.is_eligible) as integer) as eligible,
        cast(count(*) filter (where facts.is_selected) as integer) as selected,
        cast(count(*) filter (where facts.is_waitlisted) as integer) as waitlisted

    from facts

    group by kecamatan_code, kelurahan_code, age_band_code, sex_code, desil_code, category_code

)

select * from grouped
