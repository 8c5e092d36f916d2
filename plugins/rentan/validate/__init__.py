"""Validate: the Great Expectations suites and the cohort checks on a build (the audit of write-audit-publish)."""
