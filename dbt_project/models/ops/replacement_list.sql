-- Who replaces participants who left (program-rules.md section 5): the first wait-listed
-- candidates, in rank order, who are still eligible by the latest snapshots, as many as
-- int_enrollment_replacement_slots allows (free slots, budget headroom, candidates). Each
-- row repeats the arithmetic so the list explains itself.
with

waitlist as (

    select * from {{ ref('int_enrollment_waitlist_recheck') }}

),

slots as (

    select * from {{ ref('int_enrollment_replacement_slots') }}

),

eligible as (

    select
        *,
        cast(row_number() over (order by waitlist_rank) as integer) as replacement_order

    from waitlist

    where is_still_eligible

),

final as (

    select
        eligible.replacement_order,
        eligible.waitlist_rank,
        eligible.priority_rank,
        eligible.nik,
        eligible.nama,
        eligible.kode_kelurahan,
        eligible.nama_kelurahan,
        eligible.kode_kecamatan,
        eligible.nama_kecamatan,
        slots.replacement_start_month,
        slots.remaining_months,
        slots.cost_per_replacement_idr,
        slots.capacity,
        slots.active_participants,
        slots.free_slots,
        slots.headroom_idr,
        slots.budget_slots,
        slots.replacements,
        slots.replacement_limit

    from eligible
    cross join slots

    where eligible.replacement_order <= slots.replacements

)

select * from final
