"""Stand-in for the cncf.kubernetes provider's pod operator (see airflow/__init__.py)."""
from airflow import BaseOperator


class KubernetesPodOperator(BaseOperator):
    OWN = {"name", "image", "cmds", "arguments", "env_vars"}
