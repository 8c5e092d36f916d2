"""Transform: `dbt build` of the eligibility, enrollment and budget models into the build schemas.

The first of the transform DAG's three stages (write, audit, publish): rentan.transform.steps
builds, rentan.validate checks the build, rentan.publish swaps it in (what they share: rentan.wap).
"""
