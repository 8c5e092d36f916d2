{#
    Enrollment of program-rules.md section 5, defined once for every participant: the
    selected people and the called replacements, decided (int_enrollment_decided) or new
    (int_enrollment_participants). `people` is the calling model's CTE: nik, source,
    priority_rank, kode_kelurahan_fallback (an address when the latest Dukcapil has none) and
    first_month (coverage_start_month; for a replacement the first month of the slot); the
    other arguments are the CTEs holding the programme's memberships (int_enrollment_program_memberships:
    the programme KPJ is its kpj_order 1, chosen here), the latest civil registry
    (int_dukcapil_residents_latest) and the wilayah seed.
    Enrolled once BPJS shows a programme KPJ; enrolled_month = month of tgl_kepesertaan, never
    before first_month. A death in the latest Dukcapil snapshot ends participation, registered
    or not (EXITED, exit_month = month of death; coverage runs through it); a participant not
    registered and alive is SELECTED_NOT_REGISTERED and keeps the slot. holding_from: the
    first month the participant holds a slot (first_month), registered or not.
#}
{% macro enrollment_facts(people, memberships, residents, wilayah) -%}
    select
        {{ people }}.nik,
        {{ memberships }}.kpj,
        case
            when {{ residents }}.tanggal_kematian is not null then 'EXITED'
            when {{ memberships }}.kpj is null then 'SELECTED_NOT_REGISTERED'
            else 'ACTIVE'
        end as status,
        case
            when {{ memberships }}.kpj is not null
                then greatest(
                    -- An empty tgl_kepesertaan: enrolled as of the snapshot that first showed the KPJ.
                    cast(date_trunc(
                        'month', coalesce({{ memberships }}.tgl_kepesertaan, {{ memberships }}.snapshot_date)
                    ) as date),
                    {{ people }}.first_month
                )
        end as enrolled_month,
        cast(date_trunc('month', {{ residents }}.tanggal_kematian) as date) as exit_month,
        case when {{ residents }}.tanggal_kematian is not null then 'DECEASED' end as exit_reason,
        {{ people }}.source,
        {{ people }}.first_month as holding_from,
        {{ residents }}.tanggal_kematian as died_on,
        {{ people }}.priority_rank,
        coalesce({{ residents }}.nama_lengkap, {{ memberships }}.nama) as nama,
        coalesce({{ residents }}.kode_kelurahan, {{ people }}.kode_kelurahan_fallback) as kode_kelurahan,
        {{ wilayah }}.nama_kelurahan,
        {{ wilayah }}.kode_kecamatan,
        {{ wilayah }}.nama_kecamatan,
        coalesce({{ memberships }}.kpj_count, 0) as kpj_count,
        {{ memberships }}.tgl_kepesertaan,
        {{ memberships }}.status_kepesertaan as bpjs_status_kepesertaan,
        {{ memberships }}.snapshot_date as membership_snapshot_date
    from {{ people }}
    left join {{ memberships }}
        on {{ people }}.nik = {{ memberships }}.nik and {{ memberships }}.kpj_order = 1
    left join {{ residents }}
        on {{ people }}.nik = {{ residents }}.nik
    left join {{ wilayah }}
        on coalesce({{ residents }}.kode_kelurahan, {{ people }}.kode_kelurahan_fallback) = {{ wilayah }}.kode_kelurahan
{%- endmacro %}
