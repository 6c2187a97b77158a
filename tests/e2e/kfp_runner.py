"""Runs the container tasks of a Kubeflow Pipelines v2 pipeline spec as a KFP cluster would, on
this machine: each task's command and args as a local process (the `weir` on PATH stands for
the image's), with its container's env, as soon as its dependentTasks have succeeded and up to
--parallel at once; a failed task is retried up to its retryPolicy's maxRetryCount (the backoff
is not waited). A ParallelFor (a task with a parameterIterator over a DAG of one container task)
runs as one task per item, LOOP[i], at once; what depends on the loop waits for all of them.
Runtime values are filled as KFP fills them: {{$.pipeline_job_uuid}} in a
task's input parameters, then {{$.inputs.parameters['NAME']}} in its args; any other
placeholder is an error. With --kill TASK, that task's first attempt is killed (SIGKILL) after
--kill-after seconds, as a node dies mid-task, and its retry must carry the run on; with
--kill-once-exists PATH those seconds count from when PATH appears (the node's executor has
started: its execution is recorded), however slowly a loaded machine got there.

    kfp_runner.py PIPELINE.yaml --job-uuid UUID [--parallel N]
                  [--kill TASK --kill-after S [--kill-once-exists PATH]]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

import yaml

parser = argparse.ArgumentParser()
parser.add_argument("spec")
parser.add_argument("--job-uuid", required=True)
parser.add_argument("--parallel", type=int, default=3)
parser.add_argument("--kill")
parser.add_argument("--kill-after", type=float, default=0.5)
parser.add_argument("--kill-once-exists")
args = parser.parse_args()

with open(args.spec) as f:
    spec = yaml.safe_load(f)
assert spec["schemaVersion"] == "2.1.0", spec["schemaVersion"]
tasks = spec["root"]["dag"]["tasks"]
executors = spec["deploymentSpec"]["executors"]


def runtime_values(task):
    """A root task's input parameters: constants, with KFP's job placeholder filled."""
    values = {}
    for parameter, source in task.get("inputs", {}).get("parameters", {}).items():
        constant = source["runtimeValue"]["constant"]
        values[parameter] = constant.replace("{{$.pipeline_job_uuid}}", args.job_uuid)
    return values


def command_of(name, task, values):
    component = spec["components"][task["componentRef"]["name"]]
    container = executors[component["executorLabel"]]["container"]
    words = []
    for word in container["command"] + container["args"]:
        word = re.sub(r"\{\{\$\.inputs\.parameters\['([^']+)'\]\}\}", lambda m: values[m.group(1)], word)
        if "{{" in word:
            sys.exit(f"task {name}: a placeholder this runner does not fill: {word}")
        words.append(word)
    env = dict(os.environ)
    env.update({e["name"]: e["value"] for e in container.get("env", [])})
    return words, env


# What runs: each root container task, and each iteration of a ParallelFor's (a root task with a
# parameterIterator over a DAG component of one container task) as LOOP[i], all at once.
units = {}  # name -> (words, env, the units it waits for, retries)
loops = {}  # loop task -> its iterations' unit names
for name, task in tasks.items():
    if "parameterIterator" in task:
        iterator = task["parameterIterator"]
        loop_values = runtime_values(task)
        (inner_name, inner), = spec["components"][task["componentRef"]["name"]]["dag"]["tasks"].items()
        loops[name] = []
        for index, item in enumerate(json.loads(iterator["items"]["raw"])):
            values = dict(loop_values, **{iterator["itemInput"]: item})
            inner_values = {parameter: values[source["componentInputParameter"]]
                            for parameter, source in inner["inputs"]["parameters"].items()}
            unit = f"{name}[{index}]"
            loops[name].append(unit)
            units[unit] = (*command_of(unit, inner, inner_values), task.get("dependentTasks", []),
                           inner.get("retryPolicy", {}).get("maxRetryCount", 0))
    else:
        units[name] = (*command_of(name, task, runtime_values(task)),
                       task.get("dependentTasks", []),
                       task.get("retryPolicy", {}).get("maxRetryCount", 0))
# Waiting for a loop is waiting for all its iterations.
units = {name: (words, env, [u for d in deps for u in loops.get(d, [d])], retries)
         for name, (words, env, deps, retries) in units.items()}

done, failed, running, attempts = set(), set(), {}, {}
killed = False
kill_at = None
while len(done) + len(failed) < len(units):
    for name, (words, env, deps, _) in units.items():
        if name in done or name in failed or name in running or len(running) >= args.parallel:
            continue
        if any(d in failed for d in deps):
            failed.add(name)
            continue
        if all(d in done for d in deps):
            attempts[name] = attempts.get(name, 0) + 1
            print(f"start {name} (attempt {attempts[name]}, {len(running) + 1} running)", flush=True)
            running[name] = (subprocess.Popen(words, env=env), time.monotonic())
    for name, (process, started) in list(running.items()):
        if name == args.kill and not killed:
            if args.kill_once_exists and os.path.exists(args.kill_once_exists):
                # From now on the delay counts.
                kill_at = kill_at if kill_at is not None else time.monotonic() + args.kill_after
            elif not args.kill_once_exists:
                kill_at = started + args.kill_after
            if kill_at is not None and time.monotonic() > kill_at:
                process.kill()
                killed = True
                print(f"killed {name}", flush=True)
        code = process.poll()
        if code is None:
            continue
        del running[name]
        retries = units[name][3]
        if code == 0:
            done.add(name)
        elif attempts[name] <= retries:
            print(f"{name} exited {code}; retrying", flush=True)
        else:
            print(f"{name} failed (exit {code})", flush=True)
            failed.add(name)
    time.sleep(0.02)
if args.kill and not killed:
    sys.exit(f"{args.kill} finished before it could be killed")
print(f"{len(done)} tasks succeeded, {len(failed)} failed")
sys.exit(1 if failed else 0)
