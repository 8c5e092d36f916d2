"""Publish: swap a validated build into ops and marts in one transaction (the publish of write-audit-publish)."""
