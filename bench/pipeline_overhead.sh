#!/usr/bin/env bash
# Orchestration overhead: a fully cached rerun of the taxi tutorial pipeline (driver, cache
# lookup and metadata writes for every node, process start included), timed with hyperfine.
# Goal (issue 4): a rerun with nothing changed in well under 1 s; per cached node <= 5 ms.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
weir="${WEIR_BIN:-$root/build/release/bin/weir}"
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
pipeline="$root/examples/taxi/pipeline_solution.yaml"
WEIR_HOME="$home" "$weir" run "$pipeline" >/dev/null  # The first run computes everything.
# The second evaluates again: its resolver now finds the first run's model as the baseline. From
# the third on every node is cached but the resolver, which always reads the store afresh.
WEIR_HOME="$home" "$weir" run "$pipeline" >/dev/null
WEIR_HOME="$home" "$weir" run "$pipeline" >"$home/steady.txt"
nodes=$(grep -cE '^\[[0-9]+/[0-9]+\] .* (cached|done in)' "$home/steady.txt")
cached=$(grep -c ' cached ' "$home/steady.txt")
hyperfine -N --warmup 3 --runs 30 --export-json "$home/times.json" \
  "env WEIR_HOME=$home $weir run $pipeline" "$weir --help"
/usr/bin/python3 - "$home/times.json" "$nodes" "$cached" <<'PY'
import json, sys
runs = {r["command"]: r["mean"] for r in json.load(open(sys.argv[1]))["results"]}
nodes, cached = int(sys.argv[2]), int(sys.argv[3])
run = next(v for k, v in runs.items() if " run " in k)
start = next(v for k, v in runs.items() if k.endswith("--help"))
print(f"cached rerun of {nodes} nodes ({cached} cached): {run * 1000:.1f} ms; process start alone:"
      f" {start * 1000:.1f} ms; per node: {(run - start) * 1000 / nodes:.1f} ms (goal <= 5 ms)")
PY
