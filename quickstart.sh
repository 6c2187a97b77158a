#!/usr/bin/env bash
# Sets weir up on a fresh Debian 12 machine and runs the taxi tutorial pipeline: installs the
# packages it needs, builds in Release, runs examples/taxi/pipeline_solution.yaml (every step of
# the tutorial: data, transform, training, evaluation, push) into ${WEIR_HOME:-~/weir}, shows
# what the data steps found and how the model did, then puts the tutorial's pipeline in
# ${WEIR_HOME}/pipelines and starts the web UI and the scheduler (weir standalone) on
# http://127.0.0.1:${WEIR_PORT:-8080}/. Ctrl-C stops it; --no-ui ends before it.
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
step show evaluation "$(newest Evaluator/evaluation)"

echo
echo "Done in $(( $(date +%s) - start )) s. Artifacts (TFX-compatible files) are under $root;"
echo "every execution and artifact is recorded in $WEIR_HOME/metadata.db (ML Metadata's schema)."
echo "Run it again: unchanged nodes come from the cache ($weir run ... --explain-cache says why)."
echo "The blessed model is in $WEIR_HOME/serving_model/taxi/; serve it with"
echo "  $weir serve --model_name taxi --model_base_path $WEIR_HOME/serving_model/taxi"
echo "and ask it: curl -d '{\"instances\": [{\"trip_miles\": 2.5, \"fare\": 9.5, \"payment_type\": \"Credit Card\"}]}' localhost:8501/v1/models/taxi:predict"
if [[ "${1:-}" == "--no-ui" ]]; then
  exit 0
fi

# The UI: the tutorial's pipeline file (its skeleton: uncomment a step's lines to add it) in
# the pipelines folder, and the web server with the scheduler.
step init --example taxi
echo
echo "Ready in $(( $(date +%s) - start )) s. Open http://127.0.0.1:${WEIR_PORT:-8080}/ : unpause"
echo "taxi and trigger it. The pipeline file is $WEIR_HOME/pipelines/taxi.yaml (docs/tutorial.md)."
exec "$weir" standalone --port "${WEIR_PORT:-8080}"
