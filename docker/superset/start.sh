#!/usr/bin/env bash
# The superset service: migrate its metadata, roles and the admin (idempotent), import the
# dashboards of bi/superset/ against the warehouse's BI login (RENTAN_BI_URL; the password is
# injected at import, never written to the YAML), then serve on :8088.
set -euo pipefail

: "${SUPERSET_SECRET_KEY:?set SUPERSET_SECRET_KEY in .env}"
: "${SUPERSET_ADMIN_PASSWORD:?set SUPERSET_ADMIN_PASSWORD in .env}"
: "${RENTAN_BI_URL:?RENTAN_BI_URL must be the warehouse URL of rentan_bi_user}"
for value in "$SUPERSET_SECRET_KEY" "$SUPERSET_ADMIN_PASSWORD"; do
    if [ "$value" = "CHANGE_ME" ]; then
        echo "superset: replace every CHANGE_ME in .env (docs/deployment.md)" >&2
        exit 1
    fi
done

superset db upgrade
superset init
if ! superset fab list-users 2>/dev/null | grep -q "username:${SUPERSET_ADMIN_USER:-admin} "; then
    superset fab create-admin --username "${SUPERSET_ADMIN_USER:-admin}" --firstname rentan --lastname admin \
        --email "${SUPERSET_ADMIN_EMAIL:-admin@example.invalid}" --password "$SUPERSET_ADMIN_PASSWORD"
fi
# The analyst login (Gamma + the marts database), when the service is given its password.
if [ -n "${SUPERSET_ANALYST_PASSWORD:-}" ]; then
    export RENTAN_BI_ANALYST="${SUPERSET_ANALYST_USER:-analis}" RENTAN_BI_ANALYST_PASSWORD="$SUPERSET_ANALYST_PASSWORD"
fi
python /opt/rentan/bi/superset_import.py /opt/rentan/bi/superset "${SUPERSET_ADMIN_USER:-admin}"

exec gunicorn --bind 0.0.0.0:8088 --workers "${SUPERSET_WORKERS:-2}" --worker-class gthread --threads 8 \
    --timeout 120 --limit-request-line 0 --limit-request-field_size 0 "superset.app:create_app()"
