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


class _Task:
    """What a DAG holds: an operator, or a mapped one."""

    def _register(self, task_id):
        if not _current:
            raise RuntimeError("an operator outside a DAG")
        self.task_id = task_id
        self.dag = _current[-1]
        if self.task_id in self.dag.tasks:
            raise ValueError(f"task {self.task_id} declared twice")
        self.dag.tasks[self.task_id] = self

    def __rshift__(self, other):
        self.dag.edges.add((self.task_id, other.task_id))
        return other


class BaseOperator(_Task):
    ARGUMENTS = {"task_id", "retries", "retry_delay", "retry_exponential_backoff",
                 "execution_timeout"}
    OWN = set()

    @classmethod
    def _check(cls, kwargs):
        unknown = set(kwargs) - cls.ARGUMENTS - cls.OWN
        if unknown:
            raise TypeError(f"{cls.__name__} got unexpected arguments {sorted(unknown)}")

    def __init__(self, **kwargs):
        self._check(kwargs)
        self.kwargs = kwargs
        self._register(kwargs["task_id"])

    @classmethod
    def partial(cls, **kwargs):
        """Dynamic task mapping (Airflow 2.3): the arguments every mapped instance shares."""
        cls._check(kwargs)
        if "task_id" not in kwargs:
            raise TypeError("partial() needs a task_id")
        return _Partial(cls, kwargs)


class _Partial:
    def __init__(self, operator_class, kwargs):
        self.operator_class = operator_class
        self.kwargs = kwargs

    def expand(self, **mapped):
        return MappedOperator(self.operator_class, self.kwargs, mapped)


class MappedOperator(_Task):
    """One task instance per item of the expanded lists (Airflow's map indexes 0, 1, ...)."""

    def __init__(self, operator_class, kwargs, mapped):
        if not mapped:
            raise TypeError("expand() needs at least one argument")
        operator_class._check(mapped)
        for name, values in mapped.items():
            if name in kwargs:
                raise TypeError(f"{name} given to both partial() and expand()")
            if not isinstance(values, (list, tuple, dict)):
                raise ValueError(f"expand({name}=...) needs a list, not {type(values).__name__}")
        self.operator_class = operator_class
        self.kwargs = kwargs
        self.mapped = mapped
        self._register(kwargs["task_id"])

    def instances(self):
        """Each mapped instance's arguments (a product of the lists, as Airflow expands them)."""
        combos = [{}]
        for name, values in self.mapped.items():
            combos = [dict(c, **{name: v}) for c in combos for v in values]
        return [dict(self.kwargs, **c) for c in combos]
