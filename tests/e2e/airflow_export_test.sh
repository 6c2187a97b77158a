#!/usr/bin/env bash
# weir export airflow: the DAG module byte-compiles with Debian's python3; imported with a
# stand-in for the airflow modules (airflow_stub/) it declares one task per node with the
# pipeline's dependencies, schedule, retries and timeouts; and its tasks, run in dependency
# order as an Airflow worker runs them, carry a run of the taxi pipeline to success.
#   tests/e2e/airflow_export_test.sh WEIR_BINARY SOURCE_DIR
set -uo pipefail
weir="$1"
source_dir="$2"
python=/usr/bin/python3
source "$(dirname "$0")/checks.sh"
here="$(cd "$(dirname "$0")" && pwd)"
export WEIR_HOME="$work/home"
export PYTHONDONTWRITEBYTECODE=1  # No __pycache__ in the source tree from the stand-in.
# The tasks run `weir` from the worker's PATH.
export PATH="$(cd "$(dirname "$weir")" && pwd):$PATH"

# The taxi tutorial pipeline, on the Airflow worker (BashOperator).
taxi="$source_dir/examples/taxi/pipeline_solution.yaml"
"$weir" pipeline compile --json "$taxi" >"$work/taxi.json"
check "export airflow writes the DAG" "$weir" export airflow "$taxi" --output "$work/taxi_dag.py"
check "the DAG byte-compiles" "$python" -m py_compile "$work/taxi_dag.py"
check "the DAG's tasks run the taxi pipeline to the end" \
  "$python" "$here/airflow_dag.py" "$work/taxi_dag.py" "$work/taxi.json" --run scheduled__2026-12-07T00:00:00+00:00
# Through a file: a pipe would run expect_json in a subshell, whose counts are lost.
"$weir" runs --pipeline "$taxi" --json >"$work/taxi_runs.json"
expect_json "the Airflow run is a successful weir run of every node" \
  'any(r["run_id"] == "scheduled__2026-12-07T00:00:00+00:00" and r["state"] == "success" and r["nodes"] == 9 for r in j["runs"])' \
  <"$work/taxi_runs.json"
grep -q '"WEIR_HOME": "'"$WEIR_HOME"'"' "$work/taxi_dag.py" &&
  passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: WEIR_HOME is not passed to the tasks"; }

# Retries, timeouts, a cron schedule with catchup, pods in an image, extra environment.
cat >"$work/sched.yaml" <<'YAML'
pipeline: sched
schedule: {cron: "*/15 * * * *", start_date: "2026-11-01T06:30", catchup: true, max_active_runs: 2}
nodes:
  Gen:
    component: CsvExampleGen
    params: {input_base: data}
    retries: 3
    retry_delay_seconds: 30
    timeout_seconds: 600
  Stats:
    component: StatisticsGen
    inputs: {examples: Gen.examples}
YAML
"$weir" pipeline compile --json "$work/sched.yaml" >"$work/sched.json"
check "export airflow --image writes pod tasks" "$weir" export airflow "$work/sched.yaml" \
  --output "$work/sched_dag.py" --image registry.example/weir:1 --env PGPASSWORD_FILE=/secrets/pg
check "the pod DAG byte-compiles" "$python" -m py_compile "$work/sched_dag.py"
check "the pod DAG declares the nodes, retries and timeouts" \
  "$python" "$here/airflow_dag.py" "$work/sched_dag.py" "$work/sched.json"
check "the pod DAG has the schedule, start date and catchup" "$python" -c "
import sys; sys.path.insert(0, '$here/airflow_stub')
import datetime, importlib.util
spec = importlib.util.spec_from_file_location('d', '$work/sched_dag.py')
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
k = m.dag.kwargs
assert k['schedule'] == '*/15 * * * *', k
assert k['start_date'] == datetime.datetime(2026, 11, 1, 6, 30, tzinfo=datetime.timezone.utc), k
assert k['catchup'] is True and k['max_active_runs'] == 2, k
t = m.dag.tasks['Gen'].kwargs
assert type(m.dag.tasks['Gen']).__name__ == 'KubernetesPodOperator'
assert t['image'] == 'registry.example/weir:1' and t['cmds'] == ['weir'], t
assert t['env_vars']['PGPASSWORD_FILE'] == '/secrets/pg', t
assert t['retry_exponential_backoff'] is True
"
fails_with "a bad --env is refused" "write NAME=VALUE" \
  "$weir" export airflow "$work/sched.yaml" --output "$work/x.py" --env NOEQUALS
sed 's/StatisticsGen/NoSuchComponent/' "$work/sched.yaml" >"$work/bad.yaml"
fails_with "a bad pipeline file is refused at its line" "bad.yaml:11: unknown component" \
  "$weir" export airflow "$work/bad.yaml" --output "$work/x.py"
check "nothing is written for a bad pipeline file" test ! -e "$work/x.py"
finish
