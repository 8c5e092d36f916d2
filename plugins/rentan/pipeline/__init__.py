"""The pipeline as Airflow runs it: assets, DAG policy, running the DAGs for the CLI, and their state."""
