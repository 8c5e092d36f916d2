-- The key of the BI pseudonym (person_key = HMAC-SHA256 of the NIK), installed by each
-- transform run from the environment (rentan.pseudonym). No role but rentan_etl may
-- enter this schema: whoever holds the key can re-identify a person_key.
create schema if not exists secret;
revoke all on schema secret from public;

-- The key as HMAC's two padded blocks (key XOR ipad, key XOR opad), so SQL computes
-- HMAC-SHA256 with the built-in sha256(): sha256(k_opad || sha256(k_ipad || message)).
create table if not exists secret.pseudonym_key (
    one_row boolean primary key default true check (one_row),
    k_ipad bytea not null,
    k_opad bytea not null,
    key_fingerprint text not null,
    installed_at timestamptz not null default clock_timestamp()
);
revoke all on secret.pseudonym_key from rentan_engineer, rentan_officer, rentan_bi;
