#!/usr/bin/env bash
# Soak: weir keeps its memory, file descriptors and latency flat over time.
#  1. `weir serve` under bounded load (wrk: 2 threads, 16 connections, 1 instance per request) for
#     SERVE_MINUTES (default 10), a new version pushed every PUSH_SECONDS (default 30); per
#     minute: requests/s, p99, non-2xx, the server's RSS and open files. Goal: 0 non-2xx, RSS growth
#     < 10% from the first minute to the last, p99 stable.
#  2. `weir standalone` running the taxi pipeline RUNS times back to back (default 60, an hour of a
#     pipeline every minute), triggered through the CLI: the server's RSS and open files after the
#     first run and after the last. Goal: flat.
#   bench/soak.sh     (needs a Release build and wrk; SERVE_MINUTES=10 PUSH_SECONDS=30 RUNS=60)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
weir="${WEIR_BIN:-$root/build/release/bin/weir}"
work="${BENCH_DIR:-/tmp/weir-bench-soak}"
port="${PORT:-18581}"
web_port="${WEB_PORT:-18582}"
minutes="${SERVE_MINUTES:-10}"
push_every="${PUSH_SECONDS:-30}"
runs="${RUNS:-60}"
rm -rf "$work" && mkdir -p "$work"
export WEIR_HOME="$work/home"

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
open_files() { ls "/proc/$1/fd" | wc -l; }

echo "== weir serve: ${minutes} min of load, a new version every ${push_every} s"
"$weir" run "$root/examples/taxi/pipeline_solution.yaml" >/dev/null
base="$WEIR_HOME/serving_model/taxi"
"$weir" serve --model_name taxi --model_base_path "$base" --rest_api_port "$port" --port 0 \
  --poll_seconds 1 >"$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; kill $pusher 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "localhost:$port/v1/models/taxi" >/dev/null && break; sleep 0.1; done
one='{"trip_miles": 2.5, "fare": 9.5, "trip_seconds": 600, "company": "Flash Cab", "payment_type": "Credit Card", "trip_start_hour": 14, "trip_start_day": 3, "trip_start_month": 5, "pickup_latitude": 41.88, "pickup_longitude": -87.63, "dropoff_latitude": 41.9, "dropoff_longitude": -87.65}'
{
  printf 'wrk.method = "POST"\nwrk.body = [[{"instances": [%s]}]]\n' "$one"
  printf 'wrk.headers["Content-Type"] = "application/json"\n'
  printf 'done = function(summary, latency, requests)\n  io.write(string.format("non2xx %%d\\n", summary.errors.status))\nend\n'
} >"$work/one.lua"
# Versions are published as the Pusher does: copied under a hidden name, then renamed.
(
  while sleep "$push_every"; do
    latest=$(ls "$base" | grep -E '^[0-9]+$' | sort -n | tail -1)
    cp -r "$base/$latest" "$base/.next" && mv "$base/.next" "$base/$((latest + 1))"
    echo "$((latest + 1))" >>"$work/pushed"
    # Keep the folder small: the policy serves the newest only.
    ls "$base" | grep -E '^[0-9]+$' | sort -n | head -n -3 | while read -r old; do rm -rf "${base:?}/$old"; done
  done
) &
pusher=$!
printf '%-8s %12s %10s %8s %10s %8s\n' minute requests/s p99 non-2xx rss_MB files
first_rss=0
total_non2xx=0
for minute in $(seq 1 "$minutes"); do
  wrk -t2 -c16 -d60s --latency -s "$work/one.lua" "http://127.0.0.1:$port/v1/models/taxi:predict" >"$work/wrk.txt"
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
  non2xx=$(awk '/^non2xx/ {print $2}' "$work/wrk.txt")
  errors=$(awk '/Socket errors/ {print}' "$work/wrk.txt")
  rss=$(rss_kb "$server")
  [ "$minute" -eq 1 ] && first_rss=$rss
  total_non2xx=$((total_non2xx + ${non2xx:-0}))
  printf '%-8s %12s %10s %8s %10s %8s %s\n' "$minute" "$rps" "$p99" "${non2xx:-0}" \
    "$((rss / 1024))" "$(open_files "$server")" "$errors"
done
kill $pusher 2>/dev/null || true
serving=$(curl -s "localhost:$port/v1/models/taxi" | grep -o '"version":"[0-9]*"' | head -1 | grep -o '[0-9]*')
echo "versions pushed: $(wc -l <"$work/pushed"), the last $(tail -1 "$work/pushed"), serving $serving"
echo "non-2xx in all: $total_non2xx; RSS growth from minute 1 to minute $minutes: $(( (rss - first_rss) * 100 / first_rss ))%"
kill $server
wait $server 2>/dev/null || true

echo "== weir standalone: the taxi pipeline ${runs} times"
standalone_home="$work/standalone"
export WEIR_HOME="$standalone_home"
"$weir" init --example taxi >/dev/null
sed -i "s/^  port: .*/  port: $web_port/" "$standalone_home/weir.yaml"
"$weir" standalone >"$work/standalone.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "localhost:$web_port/api/session" >/dev/null && break; sleep 0.1; done
"$weir" pipelines unpause taxi >/dev/null
wait_for_run() {  # until the newest run is no longer queued or running
  for _ in $(seq 600); do
    state=$("$weir" runs --pipeline_name taxi --json | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["runs"][0]["state"])')
    [ "$state" != queued ] && [ "$state" != running ] && { echo "$state"; return; }
    sleep 0.2
  done
  echo timeout
}
printf '%-6s %-8s %10s %8s\n' run state rss_MB files
for run in $(seq 1 "$runs"); do
  "$weir" pipelines trigger taxi >/dev/null
  state=$(wait_for_run)
  if [ "$run" -eq 1 ] || [ "$run" -eq "$runs" ] || [ $((run % 10)) -eq 0 ]; then
    printf '%-6s %-8s %10s %8s\n' "$run" "$state" "$(($(rss_kb "$server") / 1024))" "$(open_files "$server")"
  fi
done
kill $server
wait $server 2>/dev/null || true
