"""Loads a DAG module written by `weir export airflow` with the Airflow stand-in
(airflow_stub/), checks it against the pipeline's IR (a sharded node: a mapped task of its shards,
then its merge task), and with --run RUN_ID runs its tasks in dependency order as an Airflow
worker would (the bash commands, {{ run_id }} and {{ data_interval_start }} rendered; a mapped
task's instances at once).
  airflow_dag.py DAG.py IR.json [--run RUN_ID [--data_interval_start TIME]]
  (prints what it checked; exit 1 on a failure)
"""
import importlib.util
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "airflow_stub"))
import airflow  # noqa: E402  (the stand-in)

dag_file, ir_file = sys.argv[1], sys.argv[2]
run_id = sys.argv[sys.argv.index("--run") + 1] if "--run" in sys.argv else None
interval_start = (sys.argv[sys.argv.index("--data_interval_start") + 1]
                  if "--data_interval_start" in sys.argv else "")
spec = importlib.util.spec_from_file_location("exported_dag", dag_file)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
ir = json.load(open(ir_file))
dag = module.dag
problems = []

# A node with `shards: N` is a mapped task of N shards, then the node's task merging them.
def sharded(node):
    return node.get("shards", 0) > 1


def first_task(node):
    return node["id"] + ".shards" if sharded(node) else node["id"]


expected_tasks, expected_edges = [], set()
for node in ir["nodes"]:
    if sharded(node):
        expected_tasks.append(first_task(node))
        expected_edges.add((first_task(node), node["id"]))
    expected_tasks.append(node["id"])
    expected_edges |= {(ref.split(".")[0], first_task(node))
                       for ref in node.get("inputs", {}).values()}
if dag.dag_id != ir["name"]:
    problems.append(f"dag_id {dag.dag_id} is not the pipeline's name {ir['name']}")
if list(dag.tasks) != expected_tasks:
    problems.append(f"tasks {list(dag.tasks)} are not {expected_tasks}")
if dag.edges != expected_edges:
    problems.append(f"edges {sorted(dag.edges)} are not the inputs' {sorted(expected_edges)}")


def command_of(kwargs):
    if "bash_command" in kwargs:
        return kwargs["bash_command"]
    return " ".join(kwargs["cmds"] + kwargs["arguments"])


def check_task(node, task_id, kwargs, extra):
    if "bash_command" in kwargs:
        words = ["weir run-node --pipeline", "--run '{{ run_id }}'", f"--node '{node['id']}'"]
        interval = "--data_interval_start '{{ data_interval_start }}'"
    else:
        words = ["weir run-node --pipeline", "--run {{ run_id }}", f"--node {node['id']}"]
        interval = "--data_interval_start {{ data_interval_start }}"
    command = command_of(kwargs)
    # A repeating schedule's runs have data intervals, which the tasks pass on.
    if dag.kwargs.get("schedule") not in (None, "@once"):
        words.append(interval)
    elif interval in command:
        problems.append(f"task {task_id} passes a data interval, but the DAG has no schedule")
    if not all(word in command for word in words) or not command.endswith(extra):
        problems.append(f"task {task_id} runs {command!r}")
    retries = node.get("retries", 0)
    if kwargs.get("retries", 0) != retries:
        problems.append(f"task {task_id} has retries {kwargs.get('retries')}, not {retries}")
    if retries and kwargs["retry_delay"].total_seconds() != node.get("retry_delay_seconds", 10):
        problems.append(f"task {task_id} waits {kwargs['retry_delay']} before a retry")
    timeout = node.get("timeout_seconds", 0)
    got = kwargs.get("execution_timeout")
    if (got.total_seconds() if got else 0) != timeout:
        problems.append(f"task {task_id} has timeout {got}, not {timeout} s")


for node in ir["nodes"]:
    task = dag.tasks.get(node["id"])
    if task is None:
        continue
    shards = node.get("shards", 0)
    if sharded(node):
        mapped = dag.tasks.get(first_task(node))
        if type(mapped).__name__ != "MappedOperator":
            problems.append(f"task {first_task(node)} is not a mapped task")
            continue
        instances = mapped.instances()
        if len(instances) != shards:
            problems.append(f"task {first_task(node)} maps to {len(instances)} shards, not {shards}")
        for index, kwargs in enumerate(instances):
            check_task(node, f"{first_task(node)}[{index}]", kwargs, f"--shard {index}/{shards}")
    check_task(node, node["id"], task.kwargs, f"--merge_shards {shards}" if sharded(node) else "")

if run_id is not None and not problems:
    # Airflow's order: a task once all its upstream tasks succeeded.
    done = set()
    while len(done) < len(dag.tasks):
        ready = [t for t in dag.tasks if t not in done and
                 all(a in done for a, b in dag.edges if b == t)]
        if not ready:
            problems.append("the tasks' dependencies have a cycle")
            break
        task = dag.tasks[ready[0]]
        environment = dict(os.environ, **module.ENVIRONMENT)
        # A mapped task's instances run at once, as Airflow's workers would run them.
        instances = task.instances() if hasattr(task, "instances") else [task.kwargs]
        processes = []
        for kwargs in instances:
            command = kwargs["bash_command"].replace("{{ run_id }}", run_id)
            command = command.replace("{{ data_interval_start }}", interval_start)
            processes.append(subprocess.Popen(["bash", "-c", command], env=environment,
                                              stderr=subprocess.PIPE, text=True))
        for index, process in enumerate(processes):
            _, stderr = process.communicate()
            if process.returncode != 0:
                problems.append(f"task {task.task_id}[{index}] failed: {stderr.strip()[-400:]}")
        if problems:
            break
        done.add(task.task_id)

for problem in problems:
    print("problem:", problem)
print(f"{len(dag.tasks)} tasks, {len(dag.edges)} edges, schedule {dag.kwargs.get('schedule')!r}"
      + (f", run {run_id}" if run_id else ""))
sys.exit(1 if problems else 0)
