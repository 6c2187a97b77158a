#!/usr/bin/env bash
# weir export airflow: the DAG module byte-compiles with Debian's python3; imported with a
# stand-in for the airflow modules (airflow_stub/) it declares one task per node (a sharded
# node's shards as a mapped task, then its merge) with the pipeline's dependencies, schedule,
# retries and timeouts; and its tasks, run in dependency order as an Airflow worker runs them,
# carry a run of the taxi pipeline to success, the sharded node's outputs equal to the whole's.
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

# The taxi tutorial pipeline, on the Airflow worker (BashOperator), its StatisticsGen in two
# shards (a mapped task) and a merge.
mkdir -p "$work/taxi"
cp -r "$source_dir/examples/taxi/data" "$work/taxi/data"
taxi="$work/taxi/pipeline.yaml"
sed -e 's/^  StatisticsGen:$/  StatisticsGen:\n    shards: 2/' \
  "$source_dir/examples/taxi/pipeline_solution.yaml" >"$taxi"
"$weir" pipeline compile --json "$taxi" >"$work/taxi.json"
check "export airflow writes the DAG" "$weir" export airflow "$taxi" --output "$work/taxi_dag.py"
check "the DAG byte-compiles" "$python" -m py_compile "$work/taxi_dag.py"
check "the DAG's tasks run the taxi pipeline to the end" \
  "$python" "$here/airflow_dag.py" "$work/taxi_dag.py" "$work/taxi.json" --run scheduled__2026-12-07T00:00:00+00:00 \
  --data_interval_start 2026-12-06T00:00:00+00:00
# Through a file: a pipe would run expect_json in a subshell, whose counts are lost.
"$weir" runs --pipeline "$taxi" --json >"$work/taxi_runs.json"
expect_json "the Airflow run is a successful weir run of every node" \
  'any(r["run_id"] == "scheduled__2026-12-07T00:00:00+00:00" and r["state"] == "success" and r["nodes"] == 9 for r in j["runs"])' \
  <"$work/taxi_runs.json"
# The merged statistics are the whole node's, byte for byte (weir run runs the node whole), and
# the shards' parts are gone once merged.
WEIR_HOME="$work/home_whole" "$weir" run "$taxi" >/dev/null 2>&1
for split in train eval; do
  check "the sharded StatisticsGen's $split statistics equal the whole node's" cmp \
    "$(ls "$work"/home/artifacts/taxi/StatisticsGen/statistics/*/Split-$split/FeatureStats.pb)" \
    "$(ls "$work"/home_whole/artifacts/taxi/StatisticsGen/statistics/*/Split-$split/FeatureStats.pb)"
done
check "the shards' parts are removed after the merge" \
  test ! -e "$work/home/artifacts/taxi/StatisticsGen/.shards/scheduled__2026-12-07T00:00:00+00:00"
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
# Dated spans: each Airflow run's tasks pass its data interval, and ExampleGen reads that day
# (a catch-up run its own day, not the newest folder).
mkdir -p "$work/dated/2026-12-05" "$work/dated/2026-12-06"
head -101 "$source_dir/examples/taxi/data/data.csv" >"$work/dated/2026-12-05/data.csv"
head -201 "$source_dir/examples/taxi/data/data.csv" >"$work/dated/2026-12-06/data.csv"
cat >"$work/dated.yaml" <<YAML
pipeline: dated
schedule: {cron: "@daily", start_date: "2026-12-01", catchup: true}
nodes:
  Gen:
    component: CsvExampleGen
    params: {input_base: $work/dated, input_pattern: "{YYYY}-{MM}-{DD}/*.csv"}
YAML
"$weir" pipeline compile --json "$work/dated.yaml" >"$work/dated.json"
check "export airflow (dated spans)" "$weir" export airflow "$work/dated.yaml" --output "$work/dated_dag.py"
check "a catch-up run's tasks read the day of its data interval" \
  "$python" "$here/airflow_dag.py" "$work/dated_dag.py" "$work/dated.json" \
  --run scheduled__2026-12-06T00:00:00+00:00 --data_interval_start 2026-12-05T00:00:00+00:00
"$weir" artifacts --run scheduled__2026-12-06T00:00:00+00:00 --json >"$work/dated_artifacts.json"
# 2026-12-05 is span 20792 (days since 1970-01-01); its file has 100 trips.
expect_json "the run read 2026-12-05, not the newer 2026-12-06" \
  '[a["properties"]["span"] for a in j["artifacts"] if a["node"] == "Gen"] == [20792]' \
  <"$work/dated_artifacts.json"
fails_with "run-node refuses a data interval start that is not a time" "--data_interval_start" \
  "$weir" run-node --pipeline "$work/dated.yaml" --run r9 --node Gen --data_interval_start yesterday

fails_with "a bad --env is refused" "write NAME=VALUE" \
  "$weir" export airflow "$work/sched.yaml" --output "$work/x.py" --env NOEQUALS
sed 's/StatisticsGen/NoSuchComponent/' "$work/sched.yaml" >"$work/bad.yaml"
fails_with "a bad pipeline file is refused at its line" "bad.yaml:11: unknown component" \
  "$weir" export airflow "$work/bad.yaml" --output "$work/x.py"
check "nothing is written for a bad pipeline file" test ! -e "$work/x.py"
finish
