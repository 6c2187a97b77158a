#!/usr/bin/env bash
# Sets weir up on a fresh Debian 12 machine and runs it on the bundled Chicago taxi data:
# installs the packages it needs, builds in Release, and runs the pipeline's first component
# (CsvExampleGen) into ${WEIR_HOME:-~/weir}.
set -euo pipefail
cd "$(dirname "$0")"
start=$(date +%s)

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target weir

weir_home="${WEIR_HOME:-$HOME/weir}"
output="$weir_home/quickstart/examples-$(date +%Y%m%dT%H%M%S)"
echo
echo "Running: weir examplegen --input_base examples/taxi/data --output $output"
build/release/bin/weir examplegen --input_base examples/taxi/data --output "$output"
echo
echo "Done in $(( $(date +%s) - start )) s. The examples are TFX-compatible gzip TFRecords:"
find "$output" -type f | sort | sed 's/^/  /'
echo "Next: build/release/bin/weir --help"
