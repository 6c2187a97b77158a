#!/usr/bin/env bash
# weir serve under load: wrk on 127.0.0.1 (2 threads, 64 keep-alive connections, 10 s) against
# single-instance predict requests, 100-instance predict requests, and in the same run the
# server's version-status endpoint as the trivial baseline; the same predict requests over gRPC
# with h2load (64 calls in flight: over 2 HTTP/2 connections as gRPC channels multiplex them, and
# over 64 connections one call each), and the ratio of gRPC's requests/s to REST's. Then the same REST predict load while a new version is pushed and
# swapped in, counting non-2xx responses.
#   bench/serve.sh            (needs a Release build, wrk and h2load; DURATION=10s ROUNDS=3)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
weir="${WEIR_BIN:-$root/build/release/bin/weir}"
work="${BENCH_DIR:-/tmp/weir-bench-serve}"
port="${PORT:-18571}"
grpc_port="${GRPC_PORT:-18572}"
duration="${DURATION:-10s}"
rm -rf "$work" && mkdir -p "$work"
export WEIR_HOME="$work/home"
"$weir" run "$root/examples/taxi/pipeline_solution.yaml" >/dev/null
base="$WEIR_HOME/serving_model/taxi"
"$weir" serve --model_name taxi --model_base_path "$base" --rest_port "$port" --port "$grpc_port" --poll_seconds 0.2 \
  >"$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "localhost:$port/v1/models/taxi" >/dev/null && break; sleep 0.1; done

one='{"trip_miles": 2.5, "fare": 9.5, "trip_seconds": 600, "company": "Flash Cab", "payment_type": "Credit Card", "trip_start_hour": 14, "trip_start_day": 3, "trip_start_month": 5, "pickup_latitude": 41.88, "pickup_longitude": -87.63, "dropoff_latitude": 41.9, "dropoff_longitude": -87.65}'
hundred=$(printf '%s,' $(for _ in $(seq 100); do echo "$one" | tr -d ' '; done) | sed 's/,$//')
write_lua() {  # $1: file, $2: body
  printf 'wrk.method = "POST"\nwrk.body = [[%s]]\nwrk.headers["Content-Type"] = "application/json"\n' "$2" >"$1"
  cat >>"$1" <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("non2xx %d\n", summary.errors.status))
end
LUA
}
write_lua "$work/one.lua" "{\"instances\": [$one]}"
write_lua "$work/hundred.lua" "{\"instances\": [$hundred]}"

measure() {  # $1: label, rest: wrk arguments
  local label=$1
  shift
  wrk -t2 -c64 -d"$duration" --latency "$@" >"$work/wrk.txt"
  local rps p50 p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
  p50=$(awk '$1 == "50%" {print $2}' "$work/wrk.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
  non2xx=$(awk '/^non2xx/ {print $2}' "$work/wrk.txt")
  # Connections closed without an answer, refused or timed out ("Socket errors: connect 0, read
  # 0, write 0, timeout 0"; wrk prints the line only when one is not 0).
  socket_errors=$(awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$work/wrk.txt")
  printf '%-44s %12s %10s %10s %8s %8s\n' "$label" "$rps" "$p50" "$p99" "${non2xx:-0}" "${socket_errors:-0}"
  eval "${label%% *}_rps=$rps"
}
printf '%-44s %12s %10s %10s %8s %8s\n' "" "requests/s" "p50" "p99" "non-2xx" "socket errors"
# gRPC Predict with the same instances as named tensors. h2load reports no percentiles: they come
# from its per-request log; failed calls (gRPC answers them with HTTP 200) from the server's
# error counter.
"$root/build/release/bin/weir_bench_grpc_body" taxi "[$one]" >"$work/one.grpc"
"$root/build/release/bin/weir_bench_grpc_body" taxi "[$hundred]" >"$work/hundred.grpc"
errors() {
  curl -s "localhost:$port/monitoring/prometheus/metrics" |
    awk '/^weir_serving_requests_total.*error/ {print $2}'
}
grpc_measure() {  # $1: label, $2: body file, $3: connections, $4: calls in flight on each
  local before rps p50 p99
  before=$(errors)
  rm -f "$work/h2load.log"  # h2load appends to it.
  h2load -D "${duration%s}" -t2 -c"$3" -m"$4" -H 'content-type: application/grpc' -H 'te: trailers' \
    -d "$2" --log-file "$work/h2load.log" \
    "http://127.0.0.1:$grpc_port/tensorflow.serving.PredictionService/Predict" >"$work/h2load.txt"
  rps=$(awk '/^finished in/ {print $4}' "$work/h2load.txt")
  read -r p50 p99 < <(awk '{print $3}' "$work/h2load.log" | sort -n |
    awk '{v[NR] = $1} END {printf "%.2fms %.2fms\n", v[int(NR * 0.5)] / 1000, v[int(NR * 0.99)] / 1000}')
  printf '%-44s %12s %10s %10s %8s\n' "$1" "$rps" "$p50" "$p99" "$(($(errors) - before))"
  eval "${1%% *}_rps=$rps"
}
# The trivial endpoint and predict alternate, ROUNDS times each: the machine's speed drifts by
# more than the difference being measured, so each predict run is compared with the status run
# just before it, and the median of those ratios is the result.
# A gRPC client multiplexes its calls over one HTTP/2 connection per channel: 64 calls in flight
# over 2 connections (h2load's two threads, one channel each) is the load of wrk's 64
# connections; gRPC's ratio to REST is taken round by round too.
ratios=()
grpc_ratios=()
for round in $(seq "${ROUNDS:-3}"); do
  measure "status (trivial endpoint)" "http://127.0.0.1:$port/v1/models/taxi"
  measure "predict 1 instance" -s "$work/one.lua" "http://127.0.0.1:$port/v1/models/taxi:predict"
  ratios+=("$(awk -v s="$status_rps" -v p="$predict_rps" 'BEGIN {printf "%.0f", 100 * p / s}')")
  grpc_measure "grpc predict 1 instance (2 conn x 32 calls)" "$work/one.grpc" 2 32
  grpc_ratios+=("$(awk -v g="$grpc_rps" -v r="$predict_rps" 'BEGIN {printf "%.2f", g / r}')")
done
measure "hundred instances per request" -s "$work/hundred.lua" "http://127.0.0.1:$port/v1/models/taxi:predict"

grpc_measure "grpc32 predict 1 instance (2 conn x 16 calls)" "$work/one.grpc" 2 16
grpc_measure "grpc64 predict 1 instance (64 conn x 1 call)" "$work/one.grpc" 64 1
grpc_measure "grpc100 predict, hundred instances" "$work/hundred.grpc" 2 32
grpc_median=$(printf '%s\n' "${grpc_ratios[@]}" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')
echo "gRPC / REST single-instance predict: median ${grpc_median}x of rounds (${grpc_ratios[*]})" \
  "(goal >= 1.5x, p99 <= 2 ms); 64 connections x 1 call:" \
  "$(awk -v g="$grpc64_rps" -v r="$predict_rps" 'BEGIN {printf "%.2f", g / r}')x of the last REST round"
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')
awk -v r="${ratios[*]}" -v m="$median" -v h="$hundred_rps" 'BEGIN {
  printf "\npredict / trivial: median %d%% of rounds (%s%%) (goal >= 60%%)\n", m, r
  printf "predictions/s at 100 per request: %.0f\n", 100 * h
}'

# Swap under load: a new version appears half-way through.
latest=$(ls "$base" | sort -n | tail -1)
( sleep 3; cp -r "$base/$latest" "$base/.next"; mv "$base/.next" "$base/$((latest + 1))" ) &
measure "predict 1 instance while a version swaps" -s "$work/one.lua" "http://127.0.0.1:$port/v1/models/taxi:predict"
curl -s "localhost:$port/v1/models/taxi" | grep -q "\"version\":\"$((latest + 1))\"" &&
  echo "version $((latest + 1)) was swapped in during the run (goal: 0 non-2xx, 0 socket errors)"

# The same single-instance load with --enable_batching: concurrent requests share model calls.
# (The taxi model is gbdt, whose per-call cost is small, so this shows the batcher's overhead
# more than its gain.)
kill $server 2>/dev/null || true
wait $server 2>/dev/null || true
"$weir" serve --model_name taxi --model_base_path "$base" --rest_port "$port" --port "$grpc_port" --enable_batching \
  >"$work/serve-batching.log" 2>&1 &
server=$!
for _ in $(seq 50); do curl -sf "localhost:$port/v1/models/taxi" >/dev/null && break; sleep 0.1; done
measure "predict 1 instance, --enable_batching" -s "$work/one.lua" "http://127.0.0.1:$port/v1/models/taxi:predict"
grpc_measure "grpcbatch predict 1 instance, --enable_batching" "$work/one.grpc" 2 32
curl -s "localhost:$port/monitoring/prometheus/metrics" |
  awk '/^weir_serving_batches_total/ {b = $2} /^weir_serving_requests_total.*ok/ {r = $2}
       END {if (b > 0) printf "requests per model call: %.1f\n", r / b}'
