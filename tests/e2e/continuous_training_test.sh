#!/usr/bin/env bash
# Continuous training as a user runs it (docs/continuous-training.md): data arrives in spans, each
# run reads the newest one, a run with no new span is all cached, and the validator measures
# drift from the previous span's statistics without being wired to them, and training/serving
# skew against what `weir serve --request_log` logged.
#   tests/e2e/continuous_training_test.sh WEIR_BINARY SOURCE_DIR SHARED_DIR
set -uo pipefail
weir="$1"
source_dir="$2"
shared="$3"
source "$(dirname "$0")/checks.sh"
export WEIR_HOME="$work/home"
w="$work"

# Span 1: the tutorial's data; span 2 arrives later.
mkdir -p "$w/incoming/span-1"
cp "$source_dir/examples/taxi/data/data.csv" "$w/incoming/span-1/data.csv"

# A curated schema whose drift comparator on payment_type is tight: data.csv -> span2.csv moves
# Credit Card's share by 0.0264 (docs/example_validator.md). Skew comparators on payment_type and
# company, and TFX's environments: the label is not expected in what the server is sent.
"$weir" statisticsgen --csv "$w/incoming/span-1/data.csv" --output "$w/seed_stats" >/dev/null
"$weir" schemagen --statistics "$w/seed_stats" --output "$w/seed_schema" >/dev/null
/usr/bin/python3 - "$w/seed_schema/schema.pbtxt" "$w/schema.pbtxt" <<'PY'
import sys
text = open(sys.argv[1]).read()
anchor = 'name: "payment_type"\n'
assert anchor in text, "payment_type is not in the inferred schema"
text = text.replace(anchor, anchor + '  drift_comparator {\n    infinity_norm {\n      threshold: 0.01\n    }\n  }\n'
                    '  skew_comparator {\n    infinity_norm {\n      threshold: 0.1\n    }\n  }\n', 1)
anchor = 'name: "company"\n'
assert anchor in text, "company is not in the inferred schema"
text = text.replace(anchor, anchor + '  skew_comparator {\n    infinity_norm {\n      threshold: 0.1\n    }\n  }\n', 1)
anchor = 'name: "tips"\n'
assert anchor in text, "tips is not in the inferred schema"
text = text.replace(anchor, anchor + '  not_in_environment: "SERVING"\n', 1)
text += 'default_environment: "TRAINING"\ndefault_environment: "SERVING"\n'
open(sys.argv[2], 'w').write(text)
PY

# The validation nodes (tests/lib/span_validation_nodes.yaml), then training on a window.
{
  printf 'pipeline: spans\nenable_cache: true\n'
  cat "$(dirname "$0")/../lib/span_validation_nodes.yaml"
  cat <<'YAML'
  # The training window: the latest two spans.
  Window:
    component: SpanRangeResolver
    inputs: {examples: CsvExampleGen.examples}
    params: {num_spans: 2}
  WindowStatistics:
    component: StatisticsGen
    inputs: {examples: Window.examples}
  Transform:
    component: Transform
    inputs: {examples: Window.examples, schema: ImportSchemaGen.schema}
    params:
      spec:
        features:
        - {name: fare_xf, input: fare, ops: [fill_missing, scale_to_z_score]}
        - {name: trip_miles_xf, input: trip_miles, ops: [fill_missing, scale_to_z_score]}
        # Span 2's file writes these as 480.0 and 8.0 (floats) where span 1's has ints.
        - {name: trip_seconds_xf, input: trip_seconds, ops: [fill_missing, scale_to_z_score]}
        - {name: dropoff_community_area_xf, input: dropoff_community_area, ops: [fill_missing, {categorical_identity: {num_buckets: 78}}]}
        - {name: payment_type_xf, input: payment_type, ops: [fill_missing, {compute_and_apply_vocabulary: {top_k: 100, num_oov_buckets: 1}}]}
        - {name: tips_xf, expression: "tips > 0.2 * fare", expression_type: int}
  # Each model starts from the last blessed one, is evaluated on the newest span against it, and
  # is pushed only if it is no worse.
  LatestBlessedModelResolver:
    component: LatestBlessedModelResolver
  Trainer:
    component: Trainer
    inputs:
      examples: Transform.transformed_examples
      transform_graph: Transform.transform_graph
      base_model: LatestBlessedModelResolver.model
    params:
      model: {family: gbdt, label: tips_xf, train_steps: 20, seed: 1, warm_start: true}
  Evaluator:
    component: Evaluator
    inputs:
      examples: CsvExampleGen.examples
      model: Trainer.model
      baseline_model: LatestBlessedModelResolver.model
    params:
      eval_config:
        slicing_specs: [{}]
        thresholds:
          - {metric: auc, lower_bound: 0.6}
          - {metric: auc, change_absolute: -1e-10, direction: higher_is_better}
  Pusher:
    component: Pusher
    inputs: {model: Trainer.model, model_blessing: Evaluator.blessing}
YAML
} >"$w/pipeline.yaml"

# Run 1: span 1, nothing to compare with.
check "run 1" "$weir" run "$w/pipeline.yaml" --run_id run1
"$weir" artifacts --json >"$w/artifacts1.json"
expect_json "run 1's examples are span 1" \
  "[a['properties']['span'] for a in j['artifacts'] if a['node'] == 'CsvExampleGen'] == [1]" <"$w/artifacts1.json"
expect_json "run 1's statistics say span 1 (its window holds that span alone)" \
  "[a['properties'].get('span') for a in j['artifacts'] if a['node'] in ('StatisticsGen', 'WindowStatistics')] == [1, 1]" <"$w/artifacts1.json"
expect_json "run 1 had no serving logs yet: an empty serving split, reported as missing data" \
  "[(a['properties']['log_files'], a['properties']['split_names']) for a in j['artifacts'] if a['node'] == 'ServingLogs'] == [(0, '[\"serving\"]')] and [a['properties']['blessed'] for a in j['artifacts'] if a['node'] == 'ExampleValidator'] == ['{\"train\": 1, \"eval\": 1, \"serving\": 0}']" <"$w/artifacts1.json"
# The examples a statistics artifact describes, over all its splits.
examples_in() { "$weir" show stats "$1" --json | /usr/bin/python3 -c "import json, sys; print(sum(d['num_examples'] for d in json.load(sys.stdin)['datasets']))"; }
window_statistics() { "$weir" artifacts --run "$1" --json | /usr/bin/python3 -c "import json, sys; print([a['uri'] for a in json.load(sys.stdin)['artifacts'] if a['node'] == 'WindowStatistics'][0])"; }
check "run 1's window is span 1's 15000 rows" test "$(examples_in "$(window_statistics run1)")" = 15000

# The model state of each run: Trainer, Evaluator and Pusher executions, and the model's warm start.
states() {
  "$weir" executions --run "$1" --json | /usr/bin/python3 -c "import json, sys; print(' '.join(e['node'] + '=' + e['state'] for e in json.load(sys.stdin)['executions'] if e['node'] in ('Trainer', 'Evaluator', 'Pusher')))"
}
check "run 1 trained from nothing and pushed" test "$(states run1)" = "Trainer=complete Evaluator=complete Pusher=complete"
expect_json "run 1's model did not warm start (there was nothing to start from)" \
  "[a['properties'].get('warm_started') for a in j['artifacts'] if a['type'] == 'Model'] == [0]" <"$w/artifacts1.json"

# The pushed model is served with request logging, and sent span 1's first 600 trips (an empty
# cell as [], an empty list, as it is in training), with every Credit Card payment shifted to
# Cash (a client bug, say): what training/serving skew is for.
port="$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$weir" serve --model_name spans --model_base_path "$WEIR_HOME/serving_model/spans" \
  --rest_api_port "$port" --port 0 --request_log "$w/serving-logs" >"$w/serve.log" 2>&1 &
serve_pid=$!
pids+=("$serve_pid")
check "requests with a shifted payment_type are answered" /usr/bin/python3 - "$port" \
  "$w/incoming/span-1/data.csv" <<'PY'
import csv, json, sys, time, urllib.request
base = f"http://127.0.0.1:{sys.argv[1]}/v1/models/spans"
for _ in range(200):
    try:
        urllib.request.urlopen(base, timeout=2)
        break
    except OSError:
        time.sleep(0.05)
inputs = json.load(urllib.request.urlopen(base + "/metadata", timeout=2))[
    "metadata"]["signature_def"]["signature_def"]["serving_default"]["inputs"]
convert = {"DT_INT64": lambda v: int(float(v)), "DT_FLOAT": float, "DT_STRING": str}
with open(sys.argv[2], newline="") as f:
    rows = [row for _, row in zip(range(600), csv.DictReader(f))]
for row in rows:
    if row["payment_type"] == "Credit Card":
        row["payment_type"] = "Cash"
instances = [{k: convert[inputs[k]["dtype"]](v) if v else [] for k, v in row.items() if k != "tips"}
             for row in rows]
for start in range(0, len(instances), 50):
    body = json.dumps({"instances": instances[start:start + 50]}).encode()
    answer = json.load(urllib.request.urlopen(urllib.request.Request(base + ":predict", body), timeout=5))
    assert len(answer["predictions"]) == len(instances[start:start + 50]), answer
PY
# Stopped, the server closes and publishes its log file.
kill -TERM "$serve_pid"
wait "$serve_pid"
check "the server logged every request to one published file" /usr/bin/python3 - "$w/serving-logs/spans" <<'PY'
import os, struct, sys
names = os.listdir(sys.argv[1])
assert len(names) == 1 and names[0].startswith("requests-") and names[0].endswith(".tfrecord"), names
data = open(os.path.join(sys.argv[1], names[0]), "rb").read()
count, at = 0, 0
while at < len(data):
    (length,) = struct.unpack_from("<Q", data, at)
    at += 12 + length + 4
    count += 1
assert at == len(data) and count == 600, (at, len(data), count)
PY

# Run 2, no new span: the resolvers find run 1's window and model. The Trainer would start from
# the model it made from these same examples, so it is taken from the cache; the Evaluator
# compares that model with itself as the new baseline (as TFX does after a first push).
check "run 2 (no new span)" "$weir" run "$w/pipeline.yaml" --run_id run2
check "run 2 did not train again" test "$(states run2)" = "Trainer=cached Evaluator=complete Pusher=complete"
"$weir" artifacts --run run2 --json >"$w/artifacts2.json"
pushed_version=$("$weir" artifacts --run run1 --type PushedModel --json | /usr/bin/python3 -c "import json, sys; print(json.load(sys.stdin)['artifacts'][0]['properties']['pushed_version'])")
expect_json "run 2 read the logs of the 600 requests, answered by the version run 1 pushed" \
  "[(a['properties']['log_files'], a['properties']['model_versions']) for a in j['artifacts'] if a['node'] == 'ServingLogs'] == [(1, '[$pushed_version]')]" <"$w/artifacts2.json"
serving_statistics=$(/usr/bin/python3 -c "import json, sys; print([a['uri'] for a in json.load(sys.stdin)['artifacts'] if a['node'] == 'ServingStatistics'][0])" <"$w/artifacts2.json")
check "the serving statistics describe 600 examples" test "$(examples_in "$serving_statistics")" = 600
skew_anomalies=$(/usr/bin/python3 -c "import json, sys; print([a['uri'] for a in json.load(sys.stdin)['artifacts'] if a['node'] == 'ExampleValidator'][0])" <"$w/artifacts2.json")
"$weir" show anomalies "$skew_anomalies" --split serving --json >"$w/skew.json"
expect_json "payment_type is skewed between training and serving, company is not, and nothing else is wrong" \
  "[(a['feature'], [r['type'] for r in a['reasons']]) for a in j['splits'][0]['anomalies']] == [('payment_type', ['COMPARATOR_L_INFTY_HIGH'])]" \
  <"$w/skew.json"
# Run 2b: and now nothing is new at all.
check "run 2b (still no new span)" "$weir" run "$w/pipeline.yaml" --run_id run2b
"$weir" runs --json >"$w/runs2.json"
expect_json "run 2b is all cached (the resolvers look again and find the same)" \
  "[(r['nodes'], r['cached']) for r in j['runs'] if r['run_id'] == 'run2b'] == [(13, 11)]" <"$w/runs2.json"

# Span 2 arrives: run 3 reads it alone and finds payment_type drifted from span 1.
mkdir -p "$w/incoming/span-2"
cp "$shared/data/taxi/span2.csv" "$w/incoming/span-2/data.csv"
check "run 3 (span 2)" "$weir" run "$w/pipeline.yaml" --run_id run3
"$weir" artifacts --json >"$w/artifacts3.json"
expect_json "run 3's examples are span 2's" \
  "[a['properties']['span'] for a in j['artifacts'] if a['type'] == 'Examples' and a['node'] == 'CsvExampleGen'] == [1, 2]" <"$w/artifacts3.json"
check "run 3's window is both spans' 20000 rows" test "$(examples_in "$(window_statistics run3)")" = 20000
"$weir" executions --run run3 --json >"$w/executions3.json"
expect_json "run 3 trained again, on the window" \
  "[e['state'] for e in j['executions'] if e['node'] in ('Transform', 'Trainer')] == ['complete', 'complete']" \
  <"$w/executions3.json"
expect_json "run 3's model warm-started from run 1's" \
  "[a['properties'].get('warm_started') for a in j['artifacts'] if a['type'] == 'Model'] == [0, 1]" <"$w/artifacts3.json"
# Pushed only if no worse than the baseline: each run pushed exactly when its model was blessed,
# and serving_model/spans/ holds one version per model pushed.
"$weir" artifacts --type ModelBlessing --json >"$w/blessings.json"
"$weir" artifacts --type PushedModel --json >"$w/pushes.json"
/usr/bin/python3 - "$w/blessings.json" "$w/pushes.json" "$WEIR_HOME/serving_model/spans" >"$w/push_check.txt" <<'PY'
import json, os, sys
blessed = {a['run_id']: a['properties']['blessed'] for a in json.load(open(sys.argv[1]))['artifacts']}
pushes = json.load(open(sys.argv[2]))['artifacts']
pushed = {a['run_id']: a['properties']['pushed'] for a in pushes}
versions = {a['properties']['pushed_version'] for a in pushes if a['properties']['pushed']}
print(blessed == pushed and sorted(versions) == sorted(os.listdir(sys.argv[3])), blessed, pushed, versions)
PY
check "each run pushed exactly when its model was blessed" grep -q "^True" "$w/push_check.txt"
anomalies=$(/usr/bin/python3 -c "import json, sys; print([a['uri'] for a in json.load(sys.stdin)['artifacts'] if a['type'] == 'ExampleAnomalies'][-1])" <"$w/artifacts3.json")
"$weir" show anomalies "$anomalies" --split train --json >"$w/anomalies3.json"
expect_json "payment_type drifted between the spans" \
  "any(a['feature'] == 'payment_type' and a['reasons'][0]['type'] == 'COMPARATOR_L_INFTY_HIGH' for a in j['splits'][0]['anomalies'])" \
  <"$w/anomalies3.json"
span1_statistics=$(/usr/bin/python3 -c "import json, sys; print([a['id'] for a in json.load(sys.stdin)['artifacts'] if a['node'] == 'StatisticsGen'][0])" <"$w/artifacts3.json")
"$weir" artifact show "$span1_statistics" --json >"$w/span1_statistics.json"
expect_json "run 3's validator read span 1's statistics as previous_statistics" \
  "[(c['run_id'], c['input']) for c in j['consumers']] == [('run1', 'statistics'), ('run2', 'statistics'), ('run2b', 'statistics'), ('run3', 'previous_statistics')]" \
  <"$w/span1_statistics.json"

# An earlier span on request: the span parameter reads span 1 again.
sed 's|input_pattern: "span-{SPAN}/\*.csv"|input_pattern: "span-{SPAN}/*.csv"\n      span: 1|' \
  "$w/pipeline.yaml" >"$w/pipeline_span1.yaml"
check "run 4 (span: 1)" "$weir" run "$w/pipeline_span1.yaml" --run_id run4
"$weir" artifacts --run run4 --json >"$w/artifacts4.json"
expect_json "run 4 read span 1" \
  "[a['properties']['span'] for a in j['artifacts'] if a['type'] == 'Examples' and a['node'] == 'CsvExampleGen'] == [1]" \
  <"$w/artifacts4.json"
check "run 4's window ends at span 1" test "$(examples_in "$(window_statistics run4)")" = 15000

finish
