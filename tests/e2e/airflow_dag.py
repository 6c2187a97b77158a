"""Loads a DAG module written by `weir export airflow` with the Airflow stand-in
(airflow_stub/), checks it against the pipeline's IR, and with --run RUN_ID runs its tasks in
dependency order as an Airflow worker would (the bash commands, {{ run_id }} and
{{ data_interval_start }} rendered).
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

nodes = [node["id"] for node in ir["nodes"]]
if dag.dag_id != ir["name"]:
    problems.append(f"dag_id {dag.dag_id} is not the pipeline's name {ir['name']}")
if list(dag.tasks) != nodes:
    problems.append(f"tasks {list(dag.tasks)} are not the nodes {nodes}")
expected_edges = {(ref.split(".")[0], node["id"])
                  for node in ir["nodes"] for ref in node.get("inputs", {}).values()}
if dag.edges != expected_edges:
    problems.append(f"edges {sorted(dag.edges)} are not the inputs' {sorted(expected_edges)}")
for node in ir["nodes"]:
    task = dag.tasks.get(node["id"])
    if task is None:
        continue
    kwargs = task.kwargs
    if type(task).__name__ == "BashOperator":
        command = kwargs["bash_command"]
        words = ["weir run-node --pipeline", "--run '{{ run_id }}'", f"--node '{node['id']}'"]
        interval = "--data_interval_start '{{ data_interval_start }}'"
    else:
        command = " ".join(kwargs["cmds"] + kwargs["arguments"])
        words = ["weir run-node --pipeline", "--run {{ run_id }}", f"--node {node['id']}"]
        interval = "--data_interval_start {{ data_interval_start }}"
    # A repeating schedule's runs have data intervals, which the tasks pass on.
    if dag.kwargs.get("schedule") not in (None, "@once"):
        words.append(interval)
    elif interval in command:
        problems.append(f"task {node['id']} passes a data interval, but the DAG has no schedule")
    if not all(word in command for word in words):
        problems.append(f"task {node['id']} runs {command!r}")
    retries = node.get("retries", 0)
    if kwargs.get("retries", 0) != retries:
        problems.append(f"task {node['id']} has retries {kwargs.get('retries')}, not {retries}")
    if retries and kwargs["retry_delay"].total_seconds() != node.get("retry_delay_seconds", 10):
        problems.append(f"task {node['id']} waits {kwargs['retry_delay']} before a retry")
    timeout = node.get("timeout_seconds", 0)
    got = kwargs.get("execution_timeout")
    if (got.total_seconds() if got else 0) != timeout:
        problems.append(f"task {node['id']} has timeout {got}, not {timeout} s")

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
        command = task.kwargs["bash_command"].replace("{{ run_id }}", run_id)
        command = command.replace("{{ data_interval_start }}", interval_start)
        finished = subprocess.run(["bash", "-c", command], env=environment,
                                  capture_output=True, text=True)
        if finished.returncode != 0:
            problems.append(f"task {task.task_id} failed: {finished.stderr.strip()[-400:]}")
            break
        done.add(task.task_id)

for problem in problems:
    print("problem:", problem)
print(f"{len(dag.tasks)} tasks, {len(dag.edges)} edges, schedule {dag.kwargs.get('schedule')!r}"
      + (f", run {run_id}" if run_id else ""))
sys.exit(1 if problems else 0)
