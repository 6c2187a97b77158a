#!/usr/bin/env bash
# Sets weir up on a fresh Debian 12 machine and runs the taxi tutorial pipeline: installs the
# packages it needs, builds in Release, runs examples/taxi/pipeline_solution.yaml (ExampleGen,
# StatisticsGen, SchemaGen, ExampleValidator so far) into ${WEIR_HOME:-~/weir}, and shows what
# the data steps found.
set -euo pipefail
cd "$(dirname "$0")"
start=$(date +%s)

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target weir

weir=build/release/bin/weir
export WEIR_HOME="${WEIR_HOME:-$HOME/weir}"
run_id="quickstart-$(date -u +%Y%m%dT%H%M%SZ)"
step() {
  echo
  echo "\$ weir $*"
  "$weir" "$@"
}
step run examples/taxi/pipeline_solution.yaml --run_id "$run_id"
root="$WEIR_HOME/artifacts/taxi"
step show stats "$root/StatisticsGen/statistics/$run_id" --split train
step show anomalies "$root/ExampleValidator/anomalies/$run_id"

echo
echo "Done in $(( $(date +%s) - start )) s. The run's artifacts (TFX-compatible files):"
find "$root" -path "*/$run_id/*" -type f | sort | sed 's/^/  /'
echo "Next: $weir show schema $root/SchemaGen/schema/$run_id, or edit examples/taxi/pipeline.yaml and $weir run it."
