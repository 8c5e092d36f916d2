"""Developer tools, not part of the runtime: the synthetic city, the benchmark, local Airflow and Superset.

Installed with the `dev` extra (Faker, Playwright); the runtime package never imports them.
"""
