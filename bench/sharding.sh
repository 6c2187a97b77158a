# One shard per machine: both shards' work (each measured alone) split N ways, then the merge;
# it holds while every split has at least N example files (a file is one shard's).
for machines in 2 4 8; do
  echo "projected on $machines machines: $(echo "scale=2; ($shard0 + $shard1) / $machines + $merge" |
    bc) s (whole on one: $whole s; needs >= $machines files per split, here $files)"
done
#!/usr/bin/env bash
# StatisticsGen whole against StatisticsGen in shards (issue 21), over generated taxi rows, as an
# external engine runs them: `weir run-node` processes sharing one SQLite store and artifact root.
#   bench/sharding.sh [ROWS]        (default 4,000,000: 3 example files per split)
# Prints, for the whole node, each shard alone, the two shards at once on this machine and the
# merge: wall time and peak RSS; whether the merged statistics equal the whole node's, byte for
# byte; and the time projected for N machines with one shard each (the shards' work measured
# alone, split N ways, plus the merge). Needs a Release build.
set -euo pipefail
rows="${1:-4000000}"
source "$(dirname "$0")/common.sh"
home="$work/sharding_${rows}"
rm -rf "$home"
mkdir -p "$home"
# Two StatisticsGen nodes over the same examples, so that neither finds the other in the cache.
cat >"$home/pipeline.yaml" <<YAML
pipeline: sharding
enable_cache: true
pipeline_root: $home/artifacts
nodes:
  Gen: {component: CsvExampleGen, params: {input_base: $input}}
  Whole: {component: StatisticsGen, inputs: {examples: Gen.examples}}
  Sharded: {component: StatisticsGen, shards: 2, inputs: {examples: Gen.examples}}
YAML
run_node=(env WEIR_HOME="$home" "$weir" run-node --pipeline "$home/pipeline.yaml")
report() { printf '%-34s %8.2f s %7d MB\n' "$1" "$2" "$3"; }

echo "Input: $csv, $rows rows, $(($(stat -c %s "$csv") / 1000000)) MB; $(nproc) cores"
measure "${run_node[@]}" --run alone --node Gen
files=$(ls "$home"/artifacts/Gen/examples/*/Split-train | wc -l)
echo "CsvExampleGen: $seconds s; $files example files per split"
# Each shard alone (run "alone"), for its share of the work without the other beside it.
measure "${run_node[@]}" --run alone --node Sharded --shard 0/2
shard0=$seconds
report "shard 0/2 alone" "$seconds" "$peak_mb"
measure "${run_node[@]}" --run alone --node Sharded --shard 1/2
shard1=$seconds
report "shard 1/2 alone" "$seconds" "$peak_mb"
# Run "both": the whole node, then both shards at once and the merge.
"${run_node[@]}" --run both --node Gen >/dev/null
measure "${run_node[@]}" --run both --node Whole
whole=$seconds
report "whole node (one process)" "$seconds" "$peak_mb"
start=$(date +%s.%N)
for shard in 0 1; do
  /usr/bin/time -f "%e %M" -o "$work/shard$shard.txt" \
    "${run_node[@]}" --run both --node Sharded --shard "$shard/2" >/dev/null &
done
wait
both=$(echo "$(date +%s.%N) - $start" | bc)
for shard in 0 1; do
  read -r seconds peak_kb <"$work/shard$shard.txt"
  report "shard $shard/2, both at once" "$seconds" "$((peak_kb / 1024))"
done
report "both shards, wall" "$both" 0
measure "${run_node[@]}" --run both --node Sharded --merge_shards 2
merge=$seconds
report "merge" "$seconds" "$peak_mb"
same=yes
for split in train eval; do
  cmp -s "$home"/artifacts/Whole/statistics/*/Split-$split/FeatureStats.pb \
    "$home"/artifacts/Sharded/statistics/*/Split-$split/FeatureStats.pb || same=no
done
echo "merged statistics equal the whole node's, byte for byte: $same"
echo "sharded (2 at once here) + merge: $(echo "$both + $merge" | bc) s against whole $whole s"
# One shard per machine: the slower shard's share of the work, split N ways, then the merge.
slowest=$(echo "if ($shard0 > $shard1) $shard0 else $shard1" | bc)
for machines in 2 4 8; do
  echo "projected on $machines machines: $(echo "scale=2; $slowest * 2 / $machines + $merge" | bc) s" \
    "(whole on one: $whole s)"
done
rm -rf "$home"
