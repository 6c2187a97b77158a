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
# Artifacts live in folders named after the execution that made them; take the newest.
newest() { echo "$root/$1/$(ls "$root/$1" | sort -n | tail -1)"; }
step show stats "$(newest StatisticsGen/statistics)" --split train
step show anomalies "$(newest ExampleValidator/anomalies)"

echo
echo "Done in $(( $(date +%s) - start )) s. Artifacts (TFX-compatible files) are under $root;"
echo "every execution and artifact is recorded in $WEIR_HOME/metadata.db (ML Metadata's schema)."
echo "Run it again: unchanged nodes come from the cache ($weir run ... --explain-cache says why)."
echo "Next: $weir show schema $(newest SchemaGen/schema), or edit examples/taxi/pipeline.yaml and $weir run it."
