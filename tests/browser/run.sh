#!/usr/bin/env bash
# The browser end-to-end test, as ctest runs it: a fresh WEIR_HOME with the taxi tutorial's
# whole pipeline (examples/taxi/pipeline_solution.yaml in place of the skeleton) and a pipeline
# over two spans already run (spans_setup.sh), `weir standalone` on a free port of 127.0.0.1, and
# ui.test.mjs driving Debian's Chromium through it.
#   tests/browser/run.sh WEIR_BINARY SCREENSHOT_FOLDER
# Needs `npm ci` in tests/browser first (./test.sh does it). A missing browser, node or
# playwright-core is a failure, never a skip.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
weir="${1:?usage: run.sh WEIR_BINARY SCREENSHOT_FOLDER}"
shots="${2:?usage: run.sh WEIR_BINARY SCREENSHOT_FOLDER}"
if [[ ! -d "$here/node_modules/playwright-core" ]]; then
  echo "run.sh: playwright-core is not installed; run 'npm ci' in $here (./test.sh does)" >&2
  exit 1
fi

. "$here/../lib/test_home.sh" browser
"$weir" init --example taxi >/dev/null
cp "$here/../../examples/taxi/pipeline_solution.yaml" "$home/examples/taxi/pipeline.yaml"
# A second pipeline over two spans, run before the UI starts (spans_setup.sh).
read -r span_statistics span_anomalies < <("$here/spans_setup.sh" "$weir" \
  "$home/examples/taxi/data/data.csv" "$home/spans")

port="$(free_port)"
start_background standalone.log "$port" "$weir" standalone --port "$port"

rm -rf "$shots"
mkdir -p "$shots"
status=0
WEIR_URL="http://127.0.0.1:$port" WEIR_SCREENSHOTS="$shots" WEIR_SPAN_STATISTICS="$span_statistics" \
  WEIR_SPAN_ANOMALIES="$span_anomalies" node "$here/ui.test.mjs" || status=$?
if [[ $status -ne 0 ]]; then
  echo "--- weir standalone's output:" >&2
  cat "$home/standalone.log" >&2
fi
exit $status
