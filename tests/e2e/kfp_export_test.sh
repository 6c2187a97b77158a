#!/usr/bin/env bash
# weir export kfp, run for real: the taxi pipeline with its store in a new database on the test
# PostgreSQL server, exported as a KFP pipeline spec, and its tasks run as KFP would run the
# containers (kfp_runner.py): separate `weir run-node` processes, several at once, in dependency
# order, the Trainer killed half-way once and retried. The pipeline job is one successful weir
# run of every node.
#   tests/e2e/kfp_export_test.sh WEIR_BINARY SOURCE_DIR     (WEIR_TEST_POSTGRES: a libpq conninfo)
set -uo pipefail
weir="$1"
source_dir="$2"
postgres="${WEIR_TEST_POSTGRES:?set WEIR_TEST_POSTGRES (./test.sh starts a private server)}"
source "$(dirname "$0")/checks.sh"
here="$(cd "$(dirname "$0")" && pwd)"
export WEIR_HOME="$work/home"
export PATH="$(cd "$(dirname "$weir")" && pwd):$PATH"  # The image's weir.

database="weir_kfp_$$"
psql "$postgres" -q -c "CREATE DATABASE $database" || exit 1
trap 'psql "$postgres" -q -c "DROP DATABASE IF EXISTS $database WITH (FORCE)"; cleanup' EXIT
host=$(sed -n 's/.*host=\([^ ]*\).*/\1/p' <<<"$postgres")
port=$(sed -n 's/.*port=\([^ ]*\).*/\1/p' <<<"$postgres")
user=$(sed -n 's/.*user=\([^ ]*\).*/\1/p' <<<"$postgres")
mkdir -p "$work/taxi"
cp -r "$source_dir/examples/taxi/data" "$work/taxi/data"
printf 'metadata:\n  postgres: {host: %s, port: %s, database: %s, user: %s}\n' \
  "$host" "$port" "$database" "$user" >"$work/taxi/pipeline.yaml"
# The tutorial's pipeline, with retries on the Trainer (the node this test kills), and
# StatisticsGen in three shards (a ParallelFor) and a merge.
sed -e 's/^  Trainer:$/  Trainer:\n    retries: 2\n    retry_delay_seconds: 1/' \
  -e 's/^  StatisticsGen:$/  StatisticsGen:\n    shards: 3/' \
  "$source_dir/examples/taxi/pipeline_solution.yaml" >>"$work/taxi/pipeline.yaml"

check "export kfp writes the pipeline spec" \
  "$weir" export kfp "$work/taxi/pipeline.yaml" --output "$work/taxi.kfp.yaml" --image weir-test
uuid="0b6f7a52-5b0c-4e0e-9a55-$(printf '%012d' $$)"
check "the spec's tasks run the pipeline, the killed Trainer retried" \
  /usr/bin/python3 "$here/kfp_runner.py" "$work/taxi.kfp.yaml" --job-uuid "$uuid" \
  --kill trainer --kill-after 0.3 --kill-once-exists "$WEIR_HOME/artifacts/taxi/Trainer/model"
"$weir" runs --pipeline "$work/taxi/pipeline.yaml" --json >"$work/runs.json"
expect_json "the pipeline job is a successful weir run of every node" \
  "any(r['run_id'] == '$uuid' and r['state'] == 'success' and r['nodes'] == 9 for r in j['runs'])" \
  <"$work/runs.json"
"$weir" executions --pipeline "$work/taxi/pipeline.yaml" --run "$uuid" --json >"$work/executions.json"
expect_json "the sharded StatisticsGen is one execution (the merge), complete" \
  "[e['state'] for e in j['executions'] if e['node'] == 'StatisticsGen'] == ['complete']" \
  <"$work/executions.json"
expect_json "the killed Trainer attempt is closed and the retry completed" \
  "sorted(e['state'] for e in j['executions'] if e['node'] == 'Trainer') == ['canceled', 'complete']" \
  <"$work/executions.json"
finish
