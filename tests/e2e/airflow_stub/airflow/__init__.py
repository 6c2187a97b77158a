"""A minimal stand-in for Airflow 2's DAG and operator classes, written for weir's tests (no
Airflow is installed here): it records what a DAG module declares, refuses the arguments the
real classes would refuse, and knows nothing else. Only the names weir's export uses exist."""

_current = []  # The DAGs whose `with` block is open.


class DAG:
    ARGUMENTS = {"dag_id", "description", "schedule", "start_date", "catchup",
                 "max_active_runs", "tags"}

    def __init__(self, **kwargs):
        unknown = set(kwargs) - self.ARGUMENTS
        if unknown:
            raise TypeError(f"DAG got unexpected arguments {sorted(unknown)}")
        if "schedule" in kwargs and kwargs.get("schedule") is not None and \
                not isinstance(kwargs["schedule"], str):
            raise TypeError("schedule must be a string or None")
        if kwargs.get("schedule") is not None and kwargs.get("start_date") is None:
            raise ValueError("a scheduled DAG needs a start_date")
        self.kwargs = kwargs
        self.dag_id = kwargs["dag_id"]
        self.tasks = {}
        self.edges = set()

    def __enter__(self):
        _current.append(self)
        return self

    def __exit__(self, *exc):
        _current.pop()
        return False


class BaseOperator:
    ARGUMENTS = {"task_id", "retries", "retry_delay", "retry_exponential_backoff",
                 "execution_timeout"}
    OWN = set()

    def __init__(self, **kwargs):
        unknown = set(kwargs) - self.ARGUMENTS - self.OWN
        if unknown:
            raise TypeError(f"{type(self).__name__} got unexpected arguments {sorted(unknown)}")
        if not _current:
            raise RuntimeError("an operator outside a DAG")
        self.kwargs = kwargs
        self.task_id = kwargs["task_id"]
        self.dag = _current[-1]
        if self.task_id in self.dag.tasks:
            raise ValueError(f"task {self.task_id} declared twice")
        self.dag.tasks[self.task_id] = self

    def __rshift__(self, other):
        self.dag.edges.add((self.task_id, other.task_id))
        return other
