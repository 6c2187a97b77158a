#!/usr/bin/env bash
# The taxi model of each family as ONNX (`weir export onnx`): the file's size, and onnxruntime-node
# predictions/s for one session.run of 1 and of 100 rows, against weir serve's request handler
# (weir_bench_predict_handler: JSON in, JSON out, no HTTP) for the same 1- and 100-instance
# requests, in the same run; both on one thread. Training uses the taxi pipeline's settings.
#   bench/onnx.sh            (after ./test.sh; SECONDS_PER_CASE=5, WEIR_BIN, BENCH_DIR)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
weir="${WEIR_BIN:-$root/build/release/bin/weir}"
handler="$root/build/release/bin/weir_bench_predict_handler"
work="${BENCH_DIR:-/tmp/weir-bench-onnx}"
seconds="${SECONDS_PER_CASE:-5}"
rm -rf "$work" && mkdir -p "$work"
# bench/serve.sh's taxi trip, as JSON for both sides.
cat >"$work/instance.json" <<'JSON'
{"trip_miles": 2.5, "fare": 9.5, "trip_seconds": 600, "company": "Flash Cab", "payment_type": "Credit Card", "trip_start_hour": 14, "trip_start_day": 3, "trip_start_month": 5, "pickup_latitude": 41.88, "pickup_longitude": -87.63, "dropoff_latitude": 41.9, "dropoff_longitude": -87.65}
JSON

printf '%-10s %10s %14s %14s %8s %14s %14s %8s\n' family "onnx KB" "onnx 1 row/s" "weir 1 row/s" ratio \
  "onnx 100 rows/s" "weir 100 rows/s" ratio
for family in gbdt linear wide_deep; do
  export WEIR_HOME="$work/$family"
  mkdir -p "$WEIR_HOME"
  sed -e "s/family: gbdt .*/family: $family/" "$root/examples/taxi/pipeline_solution.yaml" \
    >"$WEIR_HOME/pipeline.yaml"
  cp -r "$root/examples/taxi/data" "$WEIR_HOME/data"
  "$weir" run "$WEIR_HOME/pipeline.yaml" >"$WEIR_HOME/run.log" 2>&1
  model="$(ls -d "$WEIR_HOME"/artifacts/taxi/Trainer/model/*/ | head -n 1)"
  "$weir" export onnx --model "$model" --output "$work/$family.onnx" >/dev/null
  size_kb=$(( $(stat -c %s "$work/$family.onnx") / 1024 ))
  node "$root/bench/onnx_throughput.mjs" "$work/$family.onnx" "$work/instance.json" "$seconds" \
    >"$work/$family.onnx.txt"
  onnx_one=$(awk '/onnx_run_1_us/ {print $2}' "$work/$family.onnx.txt")
  onnx_hundred=$(awk '/onnx_run_100_us/ {print $2}' "$work/$family.onnx.txt")
  "$handler" "$model" "$work/instance.json" "$seconds" >"$work/$family.handler.txt"
  weir_one=$(awk '/predict, 1 instance/ {print $4}' "$work/$family.handler.txt")
  weir_hundred=$(awk '/predict, 100 instances/ {print $4}' "$work/$family.handler.txt")
  awk -v f="$family" -v kb="$size_kb" -v o1="$onnx_one" -v w1="$weir_one" -v o100="$onnx_hundred" \
    -v w100="$weir_hundred" 'BEGIN {
      printf "%-10s %10d %14.0f %14.0f %7.2fx %14.0f %14.0f %7.2fx\n", f, kb, 1e6 / o1, 1e6 / w1,
        w1 / o1, 100e6 / o100, 100e6 / w100, w100 / o100 }'
done
echo "ratio: onnxruntime-node's predictions/s over weir serve's handler's (above 1: ONNX faster)"
