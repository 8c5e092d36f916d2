"""Ingest: find landing files, COPY them into raw, quarantine what fails its contract."""
