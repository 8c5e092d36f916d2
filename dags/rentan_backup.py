"""Backup DAG: every night, what a new warehouse needs to carry on exactly (rentan.warehouse.backup)."""

from __future__ import annotations

from airflow.sdk import CronTriggerTimetable, dag, task
from airflow.sdk.configuration import conf

from rentan.pipeline.dag_policy import DEFAULT_ARGS, fail_without_retry

# 01:30 in Airflow's default timezone (Asia/Jakarta in docker-compose): after the evening's
# deliveries, before the 02:00 monthly report. An operational default, changed here.
BACKUP_SCHEDULE = "30 1 * * *"

DOC_MD = """
### rentan_backup
Backs up the warehouse into `$RENTAN_BACKUP_DIR/rentan-<UTC time>/` (`rentan backup`): every
schema the pipeline owns, whole (history, audit, meta with the manifest and publish log,
raw, and the published ops and marts), but the relations dbt rebuilds (staging,
intermediate), the unpublished build schemas and the pseudonym key, whose fingerprint the
backup names instead. One consistent snapshot, taken while no publish runs. Then only the
newest `$RENTAN_BACKUP_KEEP` (default 14) backups are kept. `rentan restore DIR` puts one on a
new server (docs/deployment.md, "Backups").

**Triage.** `no backup folder`: set `RENTAN_BACKUP_DIR` on the workers (a volume on another
disk). `pg_dump failed ...`: the message says why (the warehouse down, a lock held past a
minute: re-run). `the publish stage is busy`: a publish ran for longer than the lock's wait;
re-run once it is done. The backup of the night before stays whatever happens: a failed
backup leaves no folder behind.
"""


@dag(
    dag_id="rentan_backup",
    schedule=CronTriggerTimetable(BACKUP_SCHEDULE, timezone=conf.get("core", "default_timezone")),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["rentan", "backup"],
    doc_md=DOC_MD,
)
def rentan_backup():
    @task
    def back_up(run_id=None) -> dict:
        from rentan.warehouse import warehouse_url
        from rentan.warehouse.backup import BackupError, scheduled_backup

        with fail_without_retry(BackupError):
            return scheduled_backup(warehouse_url(), run_id)

    back_up()


rentan_backup()
