"""The Airflow Assets that connect the DAGs: a raw asset per feed, then the published marts."""

from airflow.sdk import Asset

from rentan.ingest.contracts import CONTRACTS

RAW_ASSETS = {feed: Asset(name=f"rentan.raw.{feed}", uri=f"rentan://warehouse/raw/{feed}") for feed in CONTRACTS}
MARTS_ASSET = Asset(name="rentan.marts", uri="rentan://warehouse/marts")
