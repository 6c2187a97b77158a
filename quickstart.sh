#!/usr/bin/env bash
# Sets weir up on a fresh Debian 12 machine and runs it on the bundled Chicago taxi data:
# installs the packages it needs, builds in Release, and runs the tutorial's components so far
# (ExampleGen, StatisticsGen, SchemaGen, ExampleValidator) into ${WEIR_HOME:-~/weir}/quickstart.
set -euo pipefail
cd "$(dirname "$0")"
start=$(date +%s)

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target weir

weir=build/release/bin/weir
run="${WEIR_HOME:-$HOME/weir}/quickstart/$(date +%Y%m%dT%H%M%S)"
step() {
  echo
  echo "\$ weir $*"
  "$weir" "$@"
}
step examplegen --input_base examples/taxi/data --output "$run/examples"
step statisticsgen --examples "$run/examples" --output "$run/statistics"
step schemagen --statistics "$run/statistics" --output "$run/schema"
if "$weir" --help | grep -q examplevalidator; then
  step examplevalidator --statistics "$run/statistics" --schema "$run/schema" --output "$run/anomalies"
fi
step show stats "$run/statistics" --split train

echo
echo "Done in $(( $(date +%s) - start )) s. Artifacts (TFX-compatible files) are in $run:"
find "$run" -type f | sort | sed 's/^/  /'
echo "Look at them with: $weir show stats|schema|anomalies <folder>"
