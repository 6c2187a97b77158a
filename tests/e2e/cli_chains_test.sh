#!/usr/bin/env bash
# Every documented chain of weir commands that hand files to each other, run as a user runs them
# (README, docs/*.md): what one command writes, the next one reads.
#   examplegen -> statisticsgen -> schemagen -> examplevalidator -> show
#   statisticsgen --csv -> schemagen / examplevalidator / show (one FeatureStats.pb, no splits)
#   schemagen --import_schema -> examplevalidator
#   transform -> statisticsgen (transformed examples) -> trainer -> serve
#   datagen fit -> datagen -> examplegen -> statisticsgen -> examplevalidator (drift)
#   tests/e2e/cli_chains_test.sh WEIR_BINARY SOURCE_DIR GRPC_CLIENT (tests/e2e/grpc_client.cc)
set -uo pipefail
weir="$1"
source_dir="$2"
grpc_client="$3"
python=/usr/bin/python3
source "$(dirname "$0")/checks.sh"

data="$source_dir/examples/taxi/data"
w="$work"

# 1. The components on an Examples artifact, as docs/show.md and docs/transform.md run them.
check "examplegen" "$weir" examplegen --input_base "$data" --output "$w/examples"
check "statisticsgen --examples" "$weir" statisticsgen --examples "$w/examples" --output "$w/stats"
check "schemagen --statistics (artifact)" "$weir" schemagen --statistics "$w/stats" --output "$w/schema"
check "examplevalidator (artifact)" "$weir" examplevalidator --statistics "$w/stats" \
  --schema "$w/schema" --output "$w/anomalies"
check "show stats" "$weir" show stats "$w/stats" --split train
check "show stats --compare" "$weir" show stats "$w/stats" --split train --compare eval
check "show schema" "$weir" show schema "$w/schema"
check "show anomalies" "$weir" show anomalies "$w/anomalies"
# The schema was inferred from train and updated with eval (as TFX's SchemaGen does): the eval
# split's company names are in it, so eval has no anomaly.
expect_json "eval has no anomaly against a schema updated with eval" \
  "j['splits'][0]['name'] == 'eval' and j['splits'][0]['anomalies'] == []" \
  <<<"$("$weir" show anomalies "$w/anomalies" --split eval --json)"

# 2. Statistics straight from CSV: one FeatureStats.pb in a folder, no Split- folders.
check "statisticsgen --csv" "$weir" statisticsgen --csv "$data/data.csv" --output "$w/csv_stats"
check "schemagen --statistics (csv folder)" "$weir" schemagen --statistics "$w/csv_stats" \
  --output "$w/csv_schema"
check "schemagen --statistics (the file)" "$weir" schemagen \
  --statistics "$w/csv_stats/FeatureStats.pb" --output "$w/csv_schema_from_file"
check "examplevalidator --statistics (csv folder)" "$weir" examplevalidator \
  --statistics "$w/csv_stats" --schema "$w/schema" --output "$w/csv_anomalies"
check "its anomalies sit beside no split" test -s "$w/csv_anomalies/SchemaDiff.pb"
check "show anomalies (csv)" "$weir" show anomalies "$w/csv_anomalies"
check "show stats (csv)" "$weir" show stats "$w/csv_stats"
check "examplevalidator: artifact statistics, schema from csv statistics" "$weir" examplevalidator \
  --statistics "$w/stats" --schema "$w/csv_schema" --output "$w/anomalies_vs_csv_schema"
check "examplevalidator: drift needs the same splits in the previous statistics" \
  bash -c "'$weir' examplevalidator --statistics '$w/stats' --schema '$w/schema' \
    --previous_statistics '$w/csv_stats' --output '$w/no_drift' 2>&1 | grep -q 'have no split'"

# 3. A curated schema, imported.
check "schemagen --import_schema" "$weir" schemagen --import_schema "$w/schema/schema.pbtxt" \
  --output "$w/imported"
check "examplevalidator (imported schema)" "$weir" examplevalidator --statistics "$w/stats" \
  --schema "$w/imported" --output "$w/anomalies_imported"

# 4. Transform, training and serving (docs/transform.md, docs/trainer.md, docs/serving.md).
cat >"$w/transform.yaml" <<'EOF'
features:
- {name: "{}_xf", each: [trip_miles, fare, trip_seconds], ops: [fill_missing, scale_to_z_score]}
- {name: "{}_xf", each: [payment_type, company], ops: [fill_missing, {compute_and_apply_vocabulary: {top_k: 1000, num_oov_buckets: 10}}]}
- {name: trip_start_hour_xf, input: trip_start_hour, ops: [fill_missing, {categorical_identity: {num_buckets: 24}}]}
- {name: tips_xf, expression: "tips > 0.2 * fare", expression_type: int}
EOF
check "transform" "$weir" transform --examples "$w/examples" --schema "$w/schema" \
  --spec "$w/transform.yaml" --transform_graph "$w/transform_graph" \
  --transformed_examples "$w/transformed"
check "statisticsgen (transformed examples)" "$weir" statisticsgen --examples "$w/transformed" \
  --output "$w/transformed_stats"
check "show stats (transformed)" "$weir" show stats "$w/transformed_stats" --split train
check "trainer" "$weir" trainer --examples "$w/transformed" --transform_graph "$w/transform_graph" \
  --family gbdt --label tips_xf --train_steps 50 --model "$w/model" --model_run "$w/model_run"
port="$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
grpc_port="$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$weir" serve --model_name taxi --model_path "$w/model" --rest_port "$port" --port "$grpc_port" \
  >"$w/serve.log" 2>&1 &
pids+=($!)
# Whole raw rows of the data, less the label, as TFX's signature takes them: by :predict, and by
# :classify, which must agree.
answer=""
for _ in $(seq 100); do
  answer="$("$python" - "$port" "$data/data.csv" "$grpc_client" "$grpc_port" <<'PY' 2>"$w/client.log"
import csv, json, struct, subprocess, sys, urllib.request
base = f"http://127.0.0.1:{sys.argv[1]}/v1/models/taxi"
metadata = json.load(urllib.request.urlopen(base + "/metadata", timeout=2))
inputs = metadata["metadata"]["signature_def"]["signature_def"]["serving_default"]["inputs"]
assert "tips" not in inputs, sorted(inputs)
convert = {"DT_INT64": int, "DT_FLOAT": float, "DT_STRING": str}
with open(sys.argv[2], newline="") as f:
    every = list(csv.DictReader(f))
# The first rows (some cells empty), and for each column the first row that has it (one column
# is empty throughout).
filled = [name for name in every[0] if any(row[name] for row in every)]
rows = every[:10] + [next(row for row in every if row[name]) for name in filled]
instances = [{name: convert[inputs[name]["dtype"]](value) for name, value in row.items()
              if name != "tips" and value != ""} for row in rows]
def post(verb, body):
    request = urllib.request.Request(base + ":" + verb, json.dumps(body).encode())
    return json.load(urllib.request.urlopen(request, timeout=2))
predicted = post("predict", {"instances": instances})["predictions"]
classified = post("classify", {"examples": instances})["result"]
# The same rows over gRPC (tests/e2e/grpc_client.cc): serialized tf.Examples to Predict and to
# Classify, and named tensors of the features every row has.
client = subprocess.run([sys.argv[3], sys.argv[4], "taxi"], input=json.dumps(instances),
                        capture_output=True, text=True, timeout=30)
assert client.returncode == 0, client.stderr
grpc = json.loads(client.stdout)
common = [{name: row[name] for name in grpc["tensor_features"]} for row in instances]
as_float = lambda values: [struct.unpack("f", struct.pack("f", v))[0] for v in values]
print(json.dumps({"predictions": predicted,
                  "classify_agrees": [c[1][1] for c in classified] == predicted,
                  "every_column": set().union(*instances) == set(filled) - {"tips"},
                  "grpc_no_label": "tips" not in grpc["signature_inputs"],
                  "grpc_examples": as_float(grpc["examples"]) == as_float(predicted),
                  "grpc_classify": as_float(grpc["classify"]) == as_float(predicted),
                  "grpc_multi": as_float(grpc["multi"]) == as_float(predicted),
                  "grpc_regress_refused": grpc["regress_error"][0] == 3
                      and "classification model" in grpc["regress_error"][1],
                  "grpc_status": grpc["status"] == [[1, "AVAILABLE"]],
                  "grpc_tensors": len(grpc["tensor_features"]) > 5 and as_float(grpc["tensors"])
                      == as_float(post("predict", {"instances": common})["predictions"])}))
PY
)" && break
  sleep 0.1
done
if [[ -n "$answer" ]]; then
  expect_json "serve predicts a probability from a whole row" \
    "0 <= j['predictions'][0] <= 1 and j['every_column']" <<<"$answer"
  expect_json "serve's :classify gives :predict's probabilities" "j['classify_agrees']" <<<"$answer"
  check "serve listens for gRPC too" grep -q "and gRPC 127.0.0.1:$grpc_port" "$w/serve.log"
  expect_json "gRPC's signature has no label among its inputs" "j['grpc_no_label']" <<<"$answer"
  expect_json "gRPC Predict of the rows as tf.Examples gives REST's probabilities" \
    "j['grpc_examples']" <<<"$answer"
  expect_json "gRPC Classify gives REST's probabilities" "j['grpc_classify']" <<<"$answer"
  expect_json "gRPC MultiInference (classify) gives REST's probabilities" "j['grpc_multi']" \
    <<<"$answer"
  expect_json "gRPC Regress on a classifier: INVALID_ARGUMENT saying why" \
    "j['grpc_regress_refused']" <<<"$answer"
  expect_json "gRPC GetModelStatus: version 1 AVAILABLE" "j['grpc_status']" <<<"$answer"
  expect_json "gRPC Predict of named tensors gives REST's probabilities for the same features" \
    "j['grpc_tensors']" <<<"$answer"
else
  failed=$((failed + 1))
  echo "FAIL: serve did not answer a predict request:"
  sed 's/^/  | /' "$w/serve.log" "$w/client.log"
fi

# 5. Synthetic data from a fitted profile, through the same chain (docs/datagen.md).
check "datagen fit" "$weir" datagen fit --csv "$data/data.csv" --out "$w/profile.json"
mkdir -p "$w/synthetic"
check "datagen" "$weir" datagen "$w/profile.json" --rows 2000 --seed 1 --out "$w/synthetic/rows.csv"
check "examplegen (synthetic)" "$weir" examplegen --input_base "$w/synthetic" \
  --output "$w/synthetic_examples"
check "statisticsgen (synthetic)" "$weir" statisticsgen --examples "$w/synthetic_examples" \
  --output "$w/synthetic_stats"
check "examplevalidator: synthetic against the real schema, drift from the real statistics" \
  "$weir" examplevalidator --statistics "$w/synthetic_stats" --schema "$w/schema" \
  --previous_statistics "$w/stats" --output "$w/synthetic_anomalies"

finish
