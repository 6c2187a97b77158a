#!/usr/bin/env bash
# End-to-end tests of the weir command as a user runs it: help, version, ExampleGen on the taxi
# data, errors with non-zero exits, and a run killed half-way leaving no visible artifact.
#   tests/e2e/cli_test.sh WEIR_BINARY SOURCE_DIR
set -uo pipefail
weir="$1"
source_dir="$2"
source "$(dirname "$0")/checks.sh"

check "--version" bash -c "'$weir' --version | grep -q '^weir [0-9]'"
check "--help lists the commands" bash -c "'$weir' --help | grep -q examplegen && '$weir' --help | grep -q datagen"
check "examplegen --help documents every flag" bash -c \
  "h=\$('$weir' examplegen --help); for f in --input_base --output --split --input_split --partition_feature --skip_bad_rows --gzip_level --json; do grep -q -- \"\$f\" <<<\"\$h\" || exit 1; done"
fails_with "no command" "A subcommand is required" "$weir"

check "examplegen on the taxi data" \
  "$weir" examplegen --input_base "$source_dir/examples/taxi/data" --output "$work/examples"
check "both splits written" test -s "$work/examples/Split-train/data_tfrecord-00000-of-00001.gz" \
  -a -s "$work/examples/Split-eval/data_tfrecord-00000-of-00001.gz"
check "the output is gzip" gzip -t "$work/examples/Split-train/data_tfrecord-00000-of-00001.gz"
check "--json reports 15000 examples and the properties" bash -c \
  "'$weir' examplegen --input_base '$source_dir/examples/taxi/data' --output '$work/json' --json |
   grep -q '\"train\": 99[0-9][0-9], \"eval\": 5[0-9][0-9][0-9]}.*\"payload_format\": \"FORMAT_TF_EXAMPLE\"'"

fails_with "output exists" "already exists" \
  "$weir" examplegen --input_base "$source_dir/examples/taxi/data" --output "$work/examples"
mkdir -p "$work/bad"
printf 'a,b\n1,2\n3\n' >"$work/bad/data.csv"
fails_with "bad row names file and line" "data.csv:3: expected 2 fields" \
  "$weir" examplegen --input_base "$work/bad" --output "$work/bad_out"
check "failed run leaves no output" test ! -e "$work/bad_out"
check "--skip_bad_rows skips and reports" bash -c \
  "'$weir' examplegen --input_base '$work/bad' --output '$work/skipped' --skip_bad_rows | grep -q 'skipped 1 bad row'"
fails_with "bad --split" "must look like NAME:VALUE" \
  "$weir" examplegen --input_base "$work/bad" --output "$work/x" --split train
fails_with "unknown partition feature" "'nope' is not a column" \
  "$weir" examplegen --input_base "$work/bad" --output "$work/x" --partition_feature nope
fails_with "unknown datagen profile" "is neither a profile file nor a known example" \
  "$weir" datagen no_such_profile --rows 10 --out "$work/x.csv"

# Pipelines: the tutorial's solution runs end to end; a broken file is refused with its line.
check "weir run the taxi pipeline" env WEIR_HOME="$work/home" "$weir" run "$source_dir/examples/taxi/pipeline_solution.yaml" --run_id r1
check "the run wrote every node's artifact" compgen -G "$work/home/artifacts/taxi/ExampleValidator/anomalies/*/Split-eval/SchemaDiff.pb"
check "weir show reads the run's schema" bash -c "'$weir' show schema '$work'/home/artifacts/taxi/SchemaGen/schema/* | grep -q payment_type"
check "the run trained a model" compgen -G "$work/home/artifacts/taxi/Trainer/model/*/Format-Serving/model_spec.pbtxt"
check "the run pushed the blessed model" compgen -G "$work/home/serving_model/taxi/*/model_spec.pbtxt"
check "a second run takes every node up to the Trainer from the cache" bash -c \
  "WEIR_HOME='$work/home' '$weir' run '$source_dir/examples/taxi/pipeline_solution.yaml' --run_id r2 > '$work/r2.txt' && grep -c ' cached ' '$work/r2.txt' | grep -qx 6 && grep -q 'Evaluator done' '$work/r2.txt'"
check "the second run pushed no second copy of the same model" bash -c \
  "ls '$work/home/serving_model/taxi' | wc -l | grep -qx 1"
printf 'pipeline: p\nnodes:\n  A:\n    component: CsvExampleGen\n    params:\n      input_bass: d\n' >"$work/bad.yaml"
fails_with "pipeline errors name file:line" "bad.yaml:6: unknown parameter 'input_bass'" "$weir" pipeline compile "$work/bad.yaml"
# Stored paths that are not UTF-8 (a WEIR_HOME with a Latin-1 byte) print, each such byte as
# U+FFFD, rather than abort the --json listings.
latin1_home="$work/caf$(printf '\xe9')"
check "weir run under a Latin-1 WEIR_HOME" env WEIR_HOME="$latin1_home" "$weir" run "$source_dir/examples/taxi/pipeline.yaml"
for listing in runs executions artifacts "artifact show 1" "lineage 1"; do
  # shellcheck disable=SC2086
  expect_json "weir $listing --json under a Latin-1 WEIR_HOME" "len(j) > 0" \
    < <(WEIR_HOME="$latin1_home" "$weir" $listing --json 2>&1)
done
expect_json "the artifact's uri shows the byte as U+FFFD" "'caf\ufffd' in j['uri']" \
  < <(WEIR_HOME="$latin1_home" "$weir" artifact show 1 --json 2>&1)

fails_with "weir run refuses a broken pipeline" "bad.yaml:6:" "$weir" run "$work/bad.yaml"

# Listing commands never create a store nor change a database that is not one.
: >"$work/empty.db"
fails_with "weir runs refuses a 0-byte store" "empty.db is empty (no tables), not a metadata store" \
  "$weir" runs --db "$work/empty.db"
check "the 0-byte store is left as it was" test ! -s "$work/empty.db"
/usr/bin/python3 -c "import sqlite3; c = sqlite3.connect('$work/foreign.db'); c.execute('CREATE TABLE t(x)'); c.commit()"
fails_with "weir runs refuses a foreign SQLite file" "not an ML Metadata store" "$weir" runs --db "$work/foreign.db"
check "the foreign file keeps its journal mode" bash -c \
  "/usr/bin/python3 -c \"import sqlite3; print(sqlite3.connect('$work/foreign.db').execute('PRAGMA journal_mode').fetchone()[0])\" | grep -qx delete"

# A run killed half-way leaves nothing under the output name (only a hidden staging folder).
mkdir -p "$work/big"
check "datagen makes a larger input" "$weir" datagen taxi --rows 3000000 --seed 5 --out "$work/big/trips.csv"
# Starts COMMAND in the background and kills it with SIGKILL as soon as GLOB matches (a writer's
# staging folder: the kill lands mid-write), or after 5 s, then reaps it.
kill_mid_write() {  # kill_mid_write GLOB COMMAND...
  local pattern="$1"
  shift
  "$@" >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 1 500); do
    compgen -G "$pattern" >/dev/null && break
    sleep 0.01
  done
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}
kill_mid_write "$work/.killed.tmp-*/Split-train/*" \
  "$weir" examplegen --input_base "$work/big" --output "$work/killed" --gzip_level 9
check "killed run left staging files behind (the kill came mid-write)" compgen -G "$work/.killed.tmp-*"
check "killed run published nothing" test ! -e "$work/killed"
check "the next run clears what the killed one left" bash -c \
  "'$weir' examplegen --input_base '$work/bad' --output '$work/killed' --skip_bad_rows >/dev/null &&
   ! compgen -G '$work/.killed.tmp-*'"

# A `weir run` killed mid-node leaves a running execution, a pending output and a staging folder;
# weir gc (first kill) or the next weir run (second kill) closes and removes them.
killed_home="$work/killed_home"
kill_run_mid_write() {
  kill_mid_write "$killed_home/artifacts/taxi/*/*/.*.tmp-*" env WEIR_HOME="$killed_home" \
    "$weir" run "$source_dir/examples/taxi/pipeline_solution.yaml" --run_id "$1"
}
kill_run_mid_write k1
expect_json "the killed run shows as running" "j['runs'][0]['state'] == 'running'" \
  < <(WEIR_HOME="$killed_home" "$weir" runs --json 2>&1)
expect_json "weir gc --dry-run finds the killed run's leftovers" \
  "j['dry_run'] and len(j['executions']) >= 1 and j['runs'] == ['taxi k1'] and any('.tmp-' in f for f in j['files'])" \
  < <(WEIR_HOME="$killed_home" "$weir" gc --dry-run --json 2>&1)
check "the dry run changed nothing" compgen -G "$killed_home/artifacts/taxi/*/*/.*.tmp-*"
check "weir gc reports what it cleaned" bash -c "WEIR_HOME='$killed_home' '$weir' gc | grep -q '^canceled [12] execution'"
check "no staging folder is left" bash -c "! compgen -G '$killed_home/artifacts/taxi/*/*/.*.tmp-*'"
expect_json "no execution is left running" "all(e['state'] != 'running' for e in j['executions'])" \
  < <(WEIR_HOME="$killed_home" "$weir" executions --json 2>&1)
expect_json "no artifact is left pending" "all(a['state'] != 'pending' for a in j['artifacts'])" \
  < <(WEIR_HOME="$killed_home" "$weir" artifacts --json 2>&1)
expect_json "the killed run is failed" "j['runs'][0]['state'] == 'failed'" \
  < <(WEIR_HOME="$killed_home" "$weir" runs --json 2>&1)
check "a second weir gc finds nothing" bash -c "WEIR_HOME='$killed_home' '$weir' gc | grep -qx 'nothing to clean up'"
kill_run_mid_write k2
check "the next weir run succeeds" env WEIR_HOME="$killed_home" "$weir" run "$source_dir/examples/taxi/pipeline_solution.yaml" --run_id k3
expect_json "... having failed the killed run" "[r['state'] for r in j['runs'] if r['run_id'] == 'k2'] == ['failed']" \
  < <(WEIR_HOME="$killed_home" "$weir" runs --json 2>&1)
expect_json "... and closed its executions" "all(e['state'] != 'running' for e in j['executions'])" \
  < <(WEIR_HOME="$killed_home" "$weir" executions --json 2>&1)
check "... and removed its staging folders" bash -c "! compgen -G '$killed_home/artifacts/taxi/*/*/.*.tmp-*'"

# A full disk (here a file-size limit, which weir reports as writes fail with EFBIG): the write
# fails with a clear error, nothing half-written is visible, and the store stays usable.
fails_with "examplegen on a full disk names the file and the cause" "File too large" \
  bash -c "ulimit -f 100; exec '$weir' examplegen --input_base '$source_dir/examples/taxi/data' --output '$work/full_out'"
check "the failed write published nothing" test ! -e "$work/full_out"
full_home="$work/full_home"
fails_with "weir run on a full disk fails" "error:" \
  bash -c "ulimit -f 400; WEIR_HOME='$full_home' exec '$weir' run '$source_dir/examples/taxi/pipeline_solution.yaml' --run_id full"
check "the store is intact after the full disk" /usr/bin/python3 -c \
  "import sqlite3; assert sqlite3.connect('$full_home/metadata.db').execute('PRAGMA integrity_check').fetchone()[0] == 'ok'"
check "with room again the pipeline runs" env WEIR_HOME="$full_home" "$weir" run "$source_dir/examples/taxi/pipeline_solution.yaml" --run_id room
expect_json "... and the run the full disk stopped is failed" "[r['state'] for r in j['runs'] if r['run_id'] == 'full'] == ['failed']" \
  < <(WEIR_HOME="$full_home" "$weir" runs --json 2>&1)

# One node per process, as the scheduler runs them; two nodes of the same run at once, each in
# its own process on the same store, neither block nor lose a write.
nodes_home="$work/nodes"
pipeline_file="$source_dir/examples/taxi/pipeline_solution.yaml"
run_node() { WEIR_HOME="$nodes_home" "$weir" run-node --pipeline "$pipeline_file" --run r1 --node "$1"; }
# A run id names its logs' folder: one that would reach outside it is refused before anything runs.
fails_with "run-node refuses a run id with a slash" "run id '../escape': use 1 to 250 letters" \
  env WEIR_HOME="$nodes_home" "$weir" run-node --pipeline "$pipeline_file" --run ../escape --node CsvExampleGen
check "... and writes nothing outside WEIR_HOME" test ! -e "$nodes_home/logs/escape"
fails_with "weir run refuses a run id with a slash" "run id 'a/b'" \
  env WEIR_HOME="$nodes_home" "$weir" run "$pipeline_file" --run_id a/b
fails_with "run-node refuses a node whose upstream has not run" "has not succeeded in run r1" \
  env WEIR_HOME="$nodes_home" "$weir" run-node --pipeline "$pipeline_file" --run r1 --node SchemaGen
check "run-node runs the first nodes one process each" bash -c \
  "$(declare -f run_node); nodes_home='$nodes_home' weir='$weir' pipeline_file='$pipeline_file';
   run_node CsvExampleGen && run_node StatisticsGen && run_node SchemaGen"
check "two run-node processes at once on one store both succeed" bash -c \
  "$(declare -f run_node); nodes_home='$nodes_home' weir='$weir' pipeline_file='$pipeline_file';
   run_node ExampleValidator > '$work/ev.txt' & a=\$!; run_node Transform > '$work/tr.txt' & b=\$!;
   wait \$a && wait \$b && grep -q 'ExampleValidator done' '$work/ev.txt' && grep -q 'Transform done' '$work/tr.txt'"
check "both were recorded: running them again finds both in the cache" bash -c \
  "$(declare -f run_node); nodes_home='$nodes_home' weir='$weir' pipeline_file='$pipeline_file';
   run_node ExampleValidator | grep -q cached && run_node Transform | grep -q cached"
check "each node has a log" test -s "$nodes_home/logs/taxi/r1/Transform.log"

finish
