"""Stand-in for airflow.operators.bash (see airflow/__init__.py)."""
from airflow import BaseOperator


class BashOperator(BaseOperator):
    OWN = {"bash_command", "env", "append_env"}
