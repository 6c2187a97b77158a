#!/usr/bin/env bash
# A crash campaign: the taxi pipeline killed with SIGKILL at random moments, KILLS times, each kill
# followed by the checks an operator relies on. Rounds take turns killing `weir run`, one node's
# process (`weir run-node`, as the scheduler and Airflow run nodes) and `weir scheduler` in the
# middle of a triggered run, then:
#   - a killed scheduler, started again, carries the run on to success;
#   - the metadata store is intact (SQLite's integrity check);
#   - the next start cleans up (a `weir run` or the scheduler, or `weir gc` first in half the
#     rounds): no execution left running, no artifact left pending, no staging or temporary file
#     left, and every artifact folder on disk belongs to a LIVE artifact (nothing half-written is
#     visible);
#   - the run finishes, and the deterministic nodes' artifacts (CsvExampleGen, StatisticsGen,
#     SchemaGen, ExampleValidator, Transform) are byte-identical to those of an uninterrupted run.
# With --postgres, the store is a new database on that server (libpq key=value string).
#   scripts/crash-campaign.sh [KILLS] [--postgres CONNINFO]    (default 100 kills; WEIR=bin/weir)
set -uo pipefail
kills="${1:-100}"
postgres=""
if [ "${2:-}" = "--postgres" ]; then postgres="${3:?--postgres needs a connection string}"; fi
source_dir="$(cd "$(dirname "$0")/.." && pwd)"
weir="${WEIR:-$source_dir/build/release/bin/weir}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
deterministic="CsvExampleGen StatisticsGen SchemaGen ExampleValidator Transform"

# The pipeline, with its data copied beside it and its store where this campaign says.
make_pipeline() {  # make_pipeline FOLDER DATABASE
  local folder="$1" database="$2"
  mkdir -p "$folder"
  cp -r "$source_dir/examples/taxi/data" "$folder/data"
  if [ -n "$postgres" ]; then
    psql "$postgres" -q -c "CREATE DATABASE $database" || exit 1
    local host port user
    host=$(sed -n 's/.*host=\([^ ]*\).*/\1/p' <<<"$postgres")
    port=$(sed -n 's/.*port=\([^ ]*\).*/\1/p' <<<"$postgres")
    user=$(sed -n 's/.*user=\([^ ]*\).*/\1/p' <<<"$postgres")
    printf 'metadata:\n  postgres: {host: %s, port: %s, database: %s, user: %s}\n' \
      "$host" "$port" "$database" "$user" >"$folder/pipeline.yaml"
    grep -v '^metadata:\|^  sqlite:' "$source_dir/examples/taxi/pipeline_solution.yaml" >>"$folder/pipeline.yaml"
  else
    cp "$source_dir/examples/taxi/pipeline_solution.yaml" "$folder/pipeline.yaml"
  fi
}

# The SHA-256 of every file of the deterministic nodes' outputs in RUN, by node and relative path.
fingerprint() {  # fingerprint HOME PIPELINE_FILE RUN
  WEIR_HOME="$1" "$weir" artifacts --pipeline "$2" --run "$3" --json |
    /usr/bin/python3 -c '
import hashlib, json, os, sys
nodes = set(sys.argv[1].split())
out = {}
for artifact in json.load(sys.stdin)["artifacts"]:
    if artifact["node"] not in nodes:
        continue
    root = artifact["uri"]
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as f:
                out[artifact["node"] + ":" + os.path.relpath(path, root)] = hashlib.sha256(f.read()).hexdigest()
print(json.dumps(out, sort_keys=True))' "$deterministic"
}

# Fails (printing why) unless the store and the artifact root hold nothing a dead process left.
check_clean() {  # check_clean HOME PIPELINE_FILE
  local home="$1" file="$2"
  if [ -z "$postgres" ]; then
    /usr/bin/python3 -c 'import sqlite3, sys
result = sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0]
sys.exit(0 if result == "ok" else "integrity check: " + result)' "$home/metadata.db" || return 1
  fi
  WEIR_HOME="$home" "$weir" executions --pipeline "$file" --json >"$work/executions.json" || return 1
  WEIR_HOME="$home" "$weir" artifacts --pipeline "$file" --json >"$work/artifacts.json" || return 1
  /usr/bin/python3 - "$home/artifacts/taxi" "$work/executions.json" "$work/artifacts.json" <<'EOF' || return 1
import json, os, sys
root = sys.argv[1]
executions, artifacts = (json.load(open(path)) for path in sys.argv[2:4])
problems = [f"execution {e['id']} ({e['node']}) is still {e['state']}" for e in executions["executions"]
            if e["state"] in ("new", "running")]
problems += [f"artifact {a['id']} is still pending" for a in artifacts["artifacts"] if a["state"] == "pending"]
live = {os.path.normpath(a["uri"]) for a in artifacts["artifacts"] if a["state"] == "live"}
for node in os.listdir(root) if os.path.isdir(root) else []:
    for output in os.listdir(os.path.join(root, node)):
        for entry in os.listdir(os.path.join(root, node, output)):
            path = os.path.normpath(os.path.join(root, node, output, entry))
            if ".tmp-" in entry:
                problems.append(f"leftover {path}")
            elif path not in live:
                problems.append(f"{path} is visible but not a live artifact")
if problems:
    sys.exit("\n".join(problems))
EOF
}

echo "reference: an uninterrupted run"
make_pipeline "$work/reference" "weir_crash_reference_$$"
WEIR_HOME="$work/reference/home" "$weir" run "$work/reference/pipeline.yaml" --run_id reference >/dev/null ||
  { echo "FAIL: the uninterrupted run failed"; exit 1; }
expected=$(fingerprint "$work/reference/home" "$work/reference/pipeline.yaml" reference)
[ "$(wc -c <<<"$expected")" -gt 100 ] || { echo "FAIL: no reference artifacts"; exit 1; }

make_pipeline "$work/crash" "weir_crash_$$"
home="$work/crash/home"
file="$work/crash/pipeline.yaml"
# The runs that are killed do all their work again (no cache), so that a kill lands mid-work; the
# run that finishes after it takes what completed from the cache.
killed_file="$work/crash/pipeline_no_cache.yaml"
sed 's/^enable_cache: true/enable_cache: false/' "$file" >"$killed_file"
grep -q '^enable_cache: false' "$killed_file" || { echo "FAIL: cannot turn the cache off"; exit 1; }
# The scheduler's copy: in the folder it watches, without a cron schedule (runs are triggered),
# reading the same data.
mkdir -p "$home/pipelines"
sed -e '/^schedule:/d' -e '/^  cron:/d' -e "s|input_base: data|input_base: $work/crash/data|" \
  "$killed_file" >"$home/pipelines/taxi.yaml"
WEIR_HOME="$home" "$weir" pipelines unpause taxi >/dev/null || { echo "FAIL: cannot unpause"; exit 1; }

# The state of run RUN of the taxi pipeline ("" until it is recorded).
run_state() {  # run_state RUN
  WEIR_HOME="$home" "$weir" runs --pipeline "$file" --json 2>/dev/null |
    /usr/bin/python3 -c 'import json, sys
print(next((r["state"] for r in json.load(sys.stdin)["runs"] if r["run_id"] == sys.argv[1]), ""))' "$1"
}

# Starts the scheduler again and waits (up to 2 minutes) for run RUN to end; prints its state.
finish_with_scheduler() {  # finish_with_scheduler RUN
  WEIR_HOME="$home" "$weir" scheduler --parallelism 1 >>"$work/scheduler.log" 2>&1 &
  local scheduler=$! state="" waited=0
  while ((waited < 1200)); do
    state=$(run_state "$1")
    [ "$state" = success ] || [ "$state" = failed ] && break
    sleep 0.1
    waited=$((waited + 1))
  done
  kill -TERM "$scheduler" 2>/dev/null
  wait "$scheduler" 2>/dev/null
  echo "$state"
}

nodes=(CsvExampleGen StatisticsGen SchemaGen ExampleValidator Transform Trainer LatestBlessedModelResolver Evaluator Pusher)
failures=0
for round in $(seq 1 "$kills"); do
  # The whole pipeline takes 2-4 s here: a delay up to 3 s lands anywhere in it.
  delay=$(/usr/bin/python3 -c 'import random; print(f"{random.uniform(0.05, 3.0):.3f}")')
  if ((round % 3 == 0)); then
    # Under the scheduler the run takes ~1.5 s (no process start-up between nodes to wait for).
    delay=$(/usr/bin/python3 -c 'import random; print(f"{random.uniform(0.05, 1.2):.3f}")')
    what="weir scheduler"
    killed_run=$(WEIR_HOME="$home" "$weir" pipelines trigger taxi) ||
      { echo "FAIL round $round: cannot trigger a run"; failures=$((failures + 1)); continue; }
    WEIR_HOME="$home" "$weir" scheduler --parallelism 1 >>"$work/scheduler.log" 2>&1 &
  elif ((round % 3 == 1)); then
    what="weir run"
    WEIR_HOME="$home" "$weir" run "$killed_file" --run_id "k$round" >/dev/null 2>&1 &
  else
    # One node's process, in a run of its own, with its upstream nodes run first.
    target=$((RANDOM % ${#nodes[@]}))
    what="run-node ${nodes[$target]}"
    # Each node's process writes its pid where the killer finds it.
    (
      for node in "${nodes[@]:0:$target}" "${nodes[$target]}"; do
        WEIR_HOME="$home" "$weir" run-node --pipeline "$killed_file" --run "k$round" --node "$node" >/dev/null 2>&1 &
        echo $! >"$work/node.pid"
        wait $! || exit
      done
    ) &
  fi
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null
  [ -s "$work/node.pid" ] && kill -9 "$(cat "$work/node.pid")" 2>/dev/null
  rm -f "$work/node.pid"
  wait "$pid" 2>/dev/null
  if [[ "$what" = "weir scheduler" ]]; then
    at_kill=$(run_state "$killed_run")
    what="weir scheduler (its run ${at_kill:-not yet recorded})"
    # Its node process dies with it (SIGTERM on the parent's death); the next scheduler cleans
    # up what it left and carries the run on.
    state=$(finish_with_scheduler "$killed_run")
    if [ "$state" != success ]; then
      echo "FAIL round $round ($what after ${delay}s): the scheduler started again left the run ${state:-unrecorded}: $(tail -3 "$work/scheduler.log")"
      failures=$((failures + 1))
      continue
    fi
  fi
  # Half the rounds leave the clean-up to the next run, half call weir gc first.
  if ((round % 4 < 2)); then
    WEIR_HOME="$home" "$weir" gc --pipeline "$file" >/dev/null || { echo "FAIL round $round: weir gc failed"; failures=$((failures + 1)); }
  fi
  if ! WEIR_HOME="$home" "$weir" run "$file" --run_id "f$round" >"$work/finish.txt" 2>&1; then
    echo "FAIL round $round ($what after ${delay}s): the next run failed: $(tail -3 "$work/finish.txt")"
    failures=$((failures + 1))
    continue
  fi
  if ! problems=$(check_clean "$home" "$file" 2>&1); then
    echo "FAIL round $round ($what after ${delay}s): $problems"
    failures=$((failures + 1))
  elif [ "$(fingerprint "$home" "$file" "f$round")" != "$expected" ]; then
    echo "FAIL round $round ($what after ${delay}s): the finished run's artifacts differ from the uninterrupted run's"
    failures=$((failures + 1))
  else
    echo "round $round: killed $what after ${delay}s; store intact, leftovers cleaned, artifacts identical"
  fi
done
if [ -n "$postgres" ]; then
  psql "$postgres" -q -c "DROP DATABASE IF EXISTS weir_crash_reference_$$ WITH (FORCE)" -c "DROP DATABASE IF EXISTS weir_crash_$$ WITH (FORCE)"
fi
echo "$kills kills, $failures failures"
[ "$failures" -eq 0 ]
