"""Runs the container tasks of a Kubeflow Pipelines v2 pipeline spec as a KFP cluster would, on
this machine: each task's command and args as a local process (the `weir` on PATH stands for
the image's), with its container's env, as soon as its dependentTasks have succeeded and up to
--parallel at once; a failed task is retried up to its retryPolicy's maxRetryCount (the backoff
is not waited). Runtime values are filled as KFP fills them: {{$.pipeline_job_uuid}} in a
task's input parameters, then {{$.inputs.parameters['NAME']}} in its args; any other
placeholder is an error. With --kill TASK, that task's first attempt is killed (SIGKILL) after
--kill-after seconds, as a node dies mid-task, and its retry must carry the run on.

    kfp_runner.py PIPELINE.yaml --job-uuid UUID [--parallel N] [--kill TASK --kill-after S]
"""
import argparse
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
args = parser.parse_args()

with open(args.spec) as f:
    spec = yaml.safe_load(f)
assert spec["schemaVersion"] == "2.1.0", spec["schemaVersion"]
tasks = spec["root"]["dag"]["tasks"]
executors = spec["deploymentSpec"]["executors"]


def command_of(name):
    task = tasks[name]
    component = spec["components"][task["componentRef"]["name"]]
    container = executors[component["executorLabel"]]["container"]
    values = {}
    for parameter, source in task.get("inputs", {}).get("parameters", {}).items():
        constant = source["runtimeValue"]["constant"]
        values[parameter] = constant.replace("{{$.pipeline_job_uuid}}", args.job_uuid)
    words = []
    for word in container["command"] + container["args"]:
        word = re.sub(r"\{\{\$\.inputs\.parameters\['([^']+)'\]\}\}", lambda m: values[m.group(1)], word)
        if "{{" in word:
            sys.exit(f"task {name}: a placeholder this runner does not fill: {word}")
        words.append(word)
    env = dict(os.environ)
    env.update({e["name"]: e["value"] for e in container.get("env", [])})
    return words, env


done, failed, running, attempts = set(), set(), {}, {}
killed = False
while len(done) + len(failed) < len(tasks):
    for name, task in tasks.items():
        if name in done or name in failed or name in running or len(running) >= args.parallel:
            continue
        if any(d in failed for d in task.get("dependentTasks", [])):
            failed.add(name)
            continue
        if all(d in done for d in task.get("dependentTasks", [])):
            words, env = command_of(name)
            attempts[name] = attempts.get(name, 0) + 1
            print(f"start {name} (attempt {attempts[name]}, {len(running) + 1} running)", flush=True)
            running[name] = (subprocess.Popen(words, env=env), time.monotonic())
    for name, (process, started) in list(running.items()):
        if name == args.kill and not killed and time.monotonic() - started > args.kill_after:
            process.kill()
            killed = True
            print(f"killed {name}", flush=True)
        code = process.poll()
        if code is None:
            continue
        del running[name]
        retries = tasks[name].get("retryPolicy", {}).get("maxRetryCount", 0)
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
