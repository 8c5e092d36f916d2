-- The pseudonym key's padded HMAC blocks (secret.pseudonym_key), for the person_key macro.
-- Ephemeral: inlined into the models that need it, so no relation outside `secret` ever
-- holds or exposes the key (a view in staging would be one more object to guard).
{{ config(materialized='ephemeral') }}

with

source as (

    select * from {{ source('secret', 'pseudonym_key') }}

),

pseudonym_key as (

    select
        k_ipad,
        k_opad,
        key_fingerprint

    from source

)

select * from pseudonym_key
