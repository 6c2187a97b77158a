#!/usr/bin/env bash
# The TFX Airflow tutorial, followed literally with weir (docs/tutorial.md): a fresh WEIR_HOME
# with the tutorial's pipeline file, `weir standalone` running, and for each step the step's
# lines uncommented in the file, a run triggered through the scheduler and awaited, and the new
# artifacts checked. At the end: a query to the served model with raw features, a second trigger
# where every node comes from the cache, and a worse model that is not pushed.
#   tests/tutorial/run.sh WEIR_BINARY
set -euo pipefail
weir="${1:?usage: run.sh WEIR_BINARY}"
python=/usr/bin/python3

home="$(mktemp -d /tmp/weir-tutorial-test.XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$home"
}
trap cleanup EXIT
export WEIR_HOME="$home"

fail() {
  echo "FAIL: $*" >&2
  echo "--- weir standalone's output:" >&2
  cat "$home/standalone.log" >&2 || true
  exit 1
}
free_port() {
  "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# A field of the JSON on stdin, by a Python expression over `j`.
json() { "$python" -c "import json, sys; j = json.load(sys.stdin); print($1)"; }

# Step 1: set-up (what ./quickstart.sh does after building).
"$weir" init --example taxi >/dev/null
pipeline="$home/examples/taxi/pipeline.yaml"
[[ -L "$home/pipelines/taxi.yaml" ]] || fail "weir init did not link the taxi pipeline"
port="$(free_port)"
"$weir" standalone --port "$port" >"$home/standalone.log" 2>&1 &
pids+=($!)
"$weir" pipelines unpause taxi >/dev/null

# Uncomments step N's node lines as the file says: the "# " in front of each (indented) line of
# the block after "# Step N:" goes.
uncomment_step() {
  "$python" - "$pipeline" "$1" <<'PY'
import sys
path, step = sys.argv[1], sys.argv[2]
lines = open(path).read().split("\n")
inside = False
changed = 0
for i, line in enumerate(lines):
    if line.startswith("# Step "):
        inside = line.startswith(f"# Step {step}:")
    elif inside and line.startswith("#   "):
        lines[i] = line[2:]
        changed += 1
if changed == 0:
    sys.exit(f"no lines of step {step} to uncomment in {path}")
open(path, "w").write("\n".join(lines))
PY
}

# Triggers taxi, waits for the run to end, and prints its run id; fails unless it succeeded.
run_pipeline() {
  local run_id state
  run_id="$("$weir" pipelines trigger taxi)"
  for _ in $(seq 1200); do
    state="$("$weir" runs list --pipeline taxi --json |
      json "next(r['state'] for r in j['runs'] if r['run_id'] == '$run_id')")"
    [[ "$state" == queued || "$state" == running ]] || break
    sleep 0.25
  done
  [[ "$state" == success ]] || fail "run $run_id of step $1 ended $state: $("$weir" executions --run "$run_id")"
  echo "$run_id"
}

# The number of artifacts of a type the store holds.
count() { "$weir" artifacts --type "$1" --json 2>/dev/null | json "len(j['artifacts'])" || echo 0; }
# The newest artifact of a type: its uri.
newest() { "$weir" artifacts --type "$1" --json | json "j['artifacts'][-1]['uri']"; }

# Step 2: the skeleton, ExampleGen alone.
run_pipeline 2 >/dev/null
[[ "$(count Examples)" == 1 ]] || fail "step 2: no Examples"
echo "ok - step 2: ExampleGen"

# Step 3: statistics, schema, anomalies.
uncomment_step 3
run_id="$(run_pipeline 3)"
for type in ExampleStatistics Schema ExampleAnomalies; do
  [[ "$(count $type)" == 1 ]] || fail "step 3: no $type"
done
"$weir" show stats "$(newest ExampleStatistics)" --split train | grep -q trip_miles ||
  fail "step 3: the statistics do not show trip_miles"
"$weir" show schema "$(newest Schema)" | grep -q payment_type || fail "step 3: schema"
"$weir" show anomalies "$(newest ExampleAnomalies)" >/dev/null || fail "step 3: anomalies"
"$weir" executions --run "$run_id" --json |
  json "[e['state'] for e in j['executions'] if e['node'] == 'CsvExampleGen'] == ['cached']" |
  grep -q True || fail "step 3: ExampleGen was not taken from the cache"
echo "ok - step 3: StatisticsGen, SchemaGen, ExampleValidator (ExampleGen cached)"

# Step 4: feature engineering.
uncomment_step 4
run_pipeline 4 >/dev/null
[[ "$(count TransformGraph)" == 1 ]] || fail "step 4: no TransformGraph"
[[ -s "$(newest TransformGraph)/transform_fn/assets/company_xf" ]] || fail "step 4: no vocabulary"
echo "ok - step 4: Transform"

# Step 5: training.
uncomment_step 5
run_pipeline 5 >/dev/null
[[ "$(count Model)" == 1 && "$(count ModelRun)" == 1 ]] || fail "step 5: no Model or ModelRun"
[[ -s "$(newest ModelRun)/curves.jsonl" ]] || fail "step 5: no training curves"
echo "ok - step 5: Trainer"

# Step 6: model analysis; the first model is blessed (no baseline yet).
uncomment_step 6
run_pipeline 6 >/dev/null
[[ -e "$(newest ModelBlessing)/BLESSED" ]] || fail "step 6: the first model is not blessed"
"$weir" show evaluation "$(newest ModelEvaluation)" --json | json "j['overall']['auc'] > 0.9" |
  grep -q True || fail "step 6: overall AUC not above 0.9"
echo "ok - step 6: Evaluator blessed the model"

# Step 7: production: the blessed model is pushed and served.
uncomment_step 7
run_pipeline 7 >/dev/null
versions=("$home"/serving_model/taxi/*)
[[ ${#versions[@]} == 1 && -d "${versions[0]}" ]] || fail "step 7: expected one pushed version"
[[ -s "${versions[0]}/model.onnx" ]] || fail "step 7: the version has no model.onnx (push_formats)"
serve_port="$(free_port)"
"$weir" serve --model_name taxi --model_base_path "$home/serving_model/taxi" \
  --rest_port "$serve_port" --port 0 >"$home/serve.log" 2>&1 &
pids+=($!)
prediction=""
for _ in $(seq 100); do
  prediction="$("$python" - "$serve_port" <<'PY' 2>/dev/null
import json, sys, urllib.request
body = json.dumps({"instances": [{"trip_miles": 2.5, "fare": 9.5, "trip_seconds": 600,
                                  "payment_type": "Credit Card", "trip_start_hour": 14,
                                  "company": "Taxi Affiliation Services"}]}).encode()
request = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/v1/models/taxi:predict", body)
print(json.load(urllib.request.urlopen(request, timeout=2))["predictions"][0])
PY
)" && break
  sleep 0.1
done
[[ -n "$prediction" ]] || fail "step 7: the served model did not answer: $(cat "$home/serve.log")"
echo "ok - step 7: Pusher; weir serve predicts $prediction from raw features"

# Nothing changed: every node comes from the cache but the resolver, which always reads the
# store afresh (as in TFX).
run_id="$(run_pipeline again)"
"$weir" executions --run "$run_id" --json |
  json "sorted(set((e['node'], e['state']) for e in j['executions'] if e['state'] != 'cached'))" |
  grep -qx "\[('LatestBlessedModelResolver', 'complete')\]" ||
  fail "a second trigger ran more than the resolver: $("$weir" executions --run "$run_id")"
echo "ok - a second trigger: every node cached"

# A worse model (one weak feature) is not blessed against the blessed one, so not pushed.
"$python" - "$pipeline" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
assert "        seed: 1\n" in text
open(path, "w").write(text.replace("        seed: 1\n", "        seed: 1\n        features: [trip_start_day_xf]\n", 1))
PY
run_pipeline worse >/dev/null
[[ -e "$(newest ModelBlessing)/NOT_BLESSED" ]] || fail "the worse model was blessed"
versions=("$home"/serving_model/taxi/*)
[[ ${#versions[@]} == 1 ]] || fail "the worse model was pushed"
echo "ok - a worse model is not blessed and not pushed"
echo "PASSED: the tutorial, steps 2 to 7"
