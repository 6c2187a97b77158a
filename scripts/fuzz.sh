#!/usr/bin/env bash
# A fuzzing campaign: builds the fuzz targets with libFuzzer, AddressSanitizer and
# UndefinedBehaviorSanitizer (the `fuzz` preset: clang and libclang-rt-14-dev, which
# scripts/install-deps.sh installs) and runs each for SECONDS (default 60), starting from its
# corpus in fuzz/corpus/<target>/. New inputs that reach new code go to build/fuzz/corpus/<target>/;
# an input that crashes is copied into fuzz/corpus/<target>/ (commit it with the fix: the default
# build's ctest replays it from then on). Prints executions, coverage and crashes per target.
#   scripts/fuzz.sh [SECONDS] [TARGET...]      e.g. scripts/fuzz.sh 600 csv pipeline
set -uo pipefail
seconds="${1:-60}"
shift || true
cd "$(dirname "$0")/.."
cmake --preset fuzz >/dev/null || exit 1
cmake --build --preset fuzz || exit 1

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for binary in build/fuzz/fuzz/fuzz_*; do targets+=("${binary##*/fuzz_}"); done
fi
status=0
printf '%-16s %12s %8s %8s %8s\n' target executions cov features crashes
for name in "${targets[@]}"; do
  found="build/fuzz/corpus/$name"
  crashes="build/fuzz/crashes/$name"
  mkdir -p "$found" "$crashes"
  log="build/fuzz/$name.log"
  # Inputs are bounded (64 KiB), as are time and memory per input, so that a slow or huge case
  # is reported as such rather than stalling the campaign.
  "build/fuzz/fuzz/fuzz_$name" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
    -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$crashes/" \
    "$found" "fuzz/corpus/$name" >"$log" 2>&1
  executions=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  coverage=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
  features=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
  found_crashes=0
  for crash in "$crashes"/*; do
    [ -e "$crash" ] || continue
    cp "$crash" "fuzz/corpus/$name/"
    found_crashes=$((found_crashes + 1))
    status=1
  done
  printf '%-16s %12s %8s %8s %8s\n' "$name" "${executions:-?}" "${coverage:-?}" "${features:-?}" \
    "$found_crashes"
done
[ $status -eq 0 ] || echo "crashes were copied into fuzz/corpus/; the logs are build/fuzz/<target>.log"
exit $status
