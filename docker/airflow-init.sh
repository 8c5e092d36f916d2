#!/usr/bin/env bash
# One-shot setup of the stack, run by the airflow-init service before anything else starts:
# Airflow's metadata database, the admin user, and the warehouse's migrations. Idempotent:
# running it again (docker compose run --rm airflow-init) changes nothing that exists.
set -euo pipefail

if env | grep -q CHANGE_ME; then
    echo "airflow-init: .env still has CHANGE_ME values: replace them (see .env.example)" >&2
    exit 1
fi

echo "airflow-init: migrating Airflow's metadata database"
airflow db migrate

echo "airflow-init: ensuring the admin user ${AIRFLOW_ADMIN_USER}"
if airflow users list --output plain | awk 'NR > 1 {print $2}' | grep -qx "${AIRFLOW_ADMIN_USER}"; then
    echo "airflow-init: ${AIRFLOW_ADMIN_USER} exists"
else
    airflow users create --role Admin --username "${AIRFLOW_ADMIN_USER}" --email "${AIRFLOW_ADMIN_EMAIL}" \
        --firstname Rentan --lastname Admin --password "${AIRFLOW_ADMIN_PASSWORD}"
fi

echo "airflow-init: applying the warehouse migrations as the ETL login"
python - <<'PY'
from rentan.ingest.contracts import RAW_TABLES
from rentan.warehouse.migrate import migrate
from rentan.warehouse import connect

with connect() as conn:
    print("airflow-init: applied", migrate(conn, RAW_TABLES) or "nothing new")
PY
echo "airflow-init: done"
