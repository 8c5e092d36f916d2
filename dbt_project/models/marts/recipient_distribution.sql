-- Who the programme reaches, for the "Sebaran Penerima" dashboard: candidates, eligible,
-- selected, wait-listed and active participants for the whole city and by one dimension at
-- a time (kecamatan, kelurahan within its kecamatan, age band, sex, desil, informal-work
-- category), each value with its Bahasa Indonesia label. Counts only, and no small group
-- (marts.md): a row whose group, or any count in it, is more than nobody but fewer than
-- bi_min_group_size people shows no numbers (is_suppressed), and in each set of rows that
-- adds up to a published total a second row is hidden with it, so the first cannot be
-- worked out by subtraction.
{%- set columns = [
    'dimension', 'parent_code', 'parent_label', 'code', 'label', 'vocabulary_order',
    'candidates', 'eligible', 'selected', 'waitlisted', 'active_participants',
] %}
with

groups as (

    select * from {{ ref('int_person_status_groups') }}

),

facts as (

    select * from {{ ref('int_person_status_facts') }}

),

enrollment as (

    select * from {{ ref('enrollment') }}

),

vocabulary as (

    select * from {{ ref('int_vocabulary') }}

),

wilayah as (

    select * from {{ ref('wilayah_kota_bekasi') }}

),

-- The counts fixed at selection (a row per combination of codes), and a row per active
-- participant under the same codes: the month's enrollment reads only its participants.
group_counts as (

    select
        groups.kecamatan_code,
        groups.kelurahan_code,
        groups.age_band_code,
        groups.sex_code,
        groups.desil_code,
        groups.category_code,
        groups.candidates,
        groups.eligible,
        groups.selected,
        groups.waitlisted,
        0 as active_participants

    from groups

    union all

    select
        {{ recipient_group_codes('facts') }},
        0 as candidates,
        0 as eligible,
        0 as selected,
        0 as waitlisted,
        1 as active_participants

    from enrollment
    inner join facts
        on enrollment.nik = facts.nik

    where enrollment.status = 'ACTIVE'

),

-- One dimension at a time: one group-by per dimension (no grouping sets, which Citus runs on a
-- single shard only; docs/scaling.md).
{%- set dimensions = [
    ('KOTA', 'null', "'KOTA'"),
    ('KECAMATAN', 'null', 'kecamatan_code'),
    ('KELURAHAN', 'kecamatan_code', 'kelurahan_code'),
    ('AGE_BAND', 'null', 'age_band_code'),
    ('SEX', 'null', 'sex_code'),
    ('DESIL', 'null', 'desil_code'),
    ('INFORMAL_CATEGORY', 'null', 'category_code'),
] %}
-- noqa: disable=LT02
counted as (

    {%- for dimension, parent, code in dimensions %}
    select
        '{{ dimension }}' as dimension,
        cast({{ parent }} as text) as parent_code,
        cast({{ code }} as text) as code,
        cast(sum(candidates) as integer) as candidates,
        cast(sum(eligible) as integer) as eligible,
        cast(sum(selected) as integer) as selected,
        cast(sum(waitlisted) as integer) as waitlisted,
        cast(sum(active_participants) as integer) as active_participants

    from group_counts

    group by parent_code, code
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}

),

-- noqa: enable=LT02
city as (

    select max(nama_kota) as nama_kota

    from wilayah

),

kecamatan_names as (

    select distinct
        kode_kecamatan,
        nama_kecamatan

    from wilayah

),

labelled as (

    select
        counted.*,
        case when counted.dimension = 'KELURAHAN' then coalesce(parent_names.nama_kecamatan, area.label) end
            as parent_label,
        coalesce(
            case counted.dimension
                when 'KOTA' then city.nama_kota
                when 'KECAMATAN' then kecamatan_names.nama_kecamatan
                when 'KELURAHAN' then kelurahan_names.nama_kelurahan
            end,
            vocabulary.label,
            area.label
        ) as label,  -- noqa: RF04
        vocabulary.sort_order as vocabulary_order

    from counted
    left join kecamatan_names
        on counted.dimension = 'KECAMATAN' and counted.code = kecamatan_names.kode_kecamatan
    left join wilayah as kelurahan_names
        on counted.dimension = 'KELURAHAN' and counted.code = kelurahan_names.kode_kelurahan
    left join kecamatan_names as parent_names
        on counted.parent_code = parent_names.kode_kecamatan
    cross join city
    left join vocabulary
        on
            counted.code = vocabulary.code
            and vocabulary.domain = case counted.dimension
                when 'AGE_BAND' then 'age_band'
                when 'SEX' then 'sex'
                when 'DESIL' then 'desil'
                when 'INFORMAL_CATEGORY' then 'informal_category'
            end
    left join vocabulary as area
        on counted.code = area.code and area.domain = 'area'

),

-- Primary: the group, or a count of people with a sensitive attribute in it (eligibility and
-- its complement, selection, the waiting list, active participation), is a small group.
primary_hidden as (

    select
        *,
        dimension <> 'KOTA' and (
            {{ is_small_group('candidates') }}
            or {{ is_small_group('eligible') }}
            or {{ is_small_group('candidates - eligible') }}
            or {{ is_small_group('selected') }}
            or {{ is_small_group('waitlisted') }}
            or {{ is_small_group('active_participants') }}
        ) as is_hidden

    from labelled

),

-- Secondary: rows of one dimension (kelurahan: of one kecamatan) add up to a total shown
-- elsewhere; when exactly one is hidden, the smallest other is hidden too.
suppressed as (

    {{ hide_lonely_cells('primary_hidden', columns, 'dimension, parent_code', 'candidates, code') }}

),

final as (

    select
        suppressed.dimension,
        suppressed.parent_code,
        suppressed.parent_label,
        suppressed.code,
        suppressed.label,
        cast(
            row_number() over (
                partition by suppressed.dimension
                order by
                    suppressed.vocabulary_order nulls last,
                    suppressed.code = 'UNKNOWN',
                    suppressed.label,
                    suppressed.code
            ) as integer
        ) as sort_order,
        suppressed.is_hidden as is_suppressed,
        case when suppressed.is_hidden then hidden_note.label end as suppressed_note,
        case when not suppressed.is_hidden then suppressed.candidates end as candidates,
        case when not suppressed.is_hidden then suppressed.eligible end as eligible,
        case when not suppressed.is_hidden then suppressed.selected end as selected,
        case when not suppressed.is_hidden then suppressed.waitlisted end as waitlisted,
        case when not suppressed.is_hidden then suppressed.active_participants end as active_participants

    from suppressed
    left join vocabulary as hidden_note
        on hidden_note.domain = 'term' and hidden_note.code = 'SUPPRESSED'

)

select * from final
