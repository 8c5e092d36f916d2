"""The Airflow Assets that connect the DAGs: the landing area (watched), a raw asset per feed, the published marts."""

from pathlib import Path

from airflow.sdk import Asset, AssetWatcher

from rentan.ingest.contracts import CONTRACTS

RAW_ASSETS = {feed: Asset(name=f"rentan.raw.{feed}", uri=f"rentan://warehouse/raw/{feed}") for feed in CONTRACTS}
MARTS_ASSET = Asset(name="rentan.marts", uri="rentan://warehouse/marts")


def landing_asset(landing: str) -> Asset:
    """The landing area, watched by the triggerer (rentan.pipeline.landing_watch): deliveries start the ingest."""
    from rentan.pipeline.landing_watch import LandingTrigger, poll_seconds

    trigger = LandingTrigger(landing=landing, poll_seconds=poll_seconds())
    return Asset(
        name="rentan.landing",
        uri=Path(landing).resolve().as_uri(),
        watchers=[AssetWatcher(name="rentan_landing_watch", trigger=trigger)],
    )
