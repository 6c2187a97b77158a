#!/usr/bin/env bash
# Transform with the taxi tutorial's spec (examples/taxi/pipeline_solution.yaml: z-scores, quantile
# buckets, vocabularies, categorical ints, the tip label) against pandas doing the same
# preprocessing in memory, on the same generated taxi data, in one run. Prints seconds, rows/s,
# peak RSS and the ratio.
#   bench/transform.sh [ROWS]        (default 10,000,000; ROWS=N in the environment works too)
# WEIR_BIN names the binary (default build/release/bin/weir), BENCH_DIR the work folder (default
# /tmp/weir-bench). Needs Debian's python3-pandas. Reuses the CSV made by the other bench scripts,
# and the Examples, statistics and schema of an earlier run with the same ROWS.
set -euo pipefail
rows="${1:-${ROWS:-10000000}}"
source "$(dirname "$0")/common.sh"
examples="$work/examples_${rows}"
if [[ ! -d "$examples" ]]; then
  "$weir" examplegen --input_base "$input" --output "$examples" >/dev/null
fi
schema="$work/schema_${rows}"
if [[ ! -d "$schema" ]]; then
  rm -rf "$work/statistics_${rows}"
  "$weir" statisticsgen --examples "$examples" --output "$work/statistics_${rows}" >/dev/null
  "$weir" schemagen --statistics "$work/statistics_${rows}" --output "$schema" \
      --infer_feature_shape=false >/dev/null
fi
bytes=$(stat -L -c %s "$csv")
echo "Input: $csv, $rows rows, $((bytes / 1000000)) MB; $(nproc) cores"

# The `spec:` of the Transform node in examples/taxi/pipeline_solution.yaml. The pandas code below
# does the same work, so change both together.
spec="$work/transform_spec.yaml"
cat > "$spec" <<'EOF'
features:
- {name: trip_miles_xf, input: trip_miles, ops: [fill_missing, scale_to_z_score]}
- {name: fare_xf, input: fare, ops: [fill_missing, scale_to_z_score]}
- {name: trip_seconds_xf, input: trip_seconds, ops: [fill_missing, scale_to_z_score]}
- {name: pickup_latitude_xf, input: pickup_latitude, ops: [fill_missing, {bucketize: {num_buckets: 10}}]}
- {name: pickup_longitude_xf, input: pickup_longitude, ops: [fill_missing, {bucketize: {num_buckets: 10}}]}
- {name: dropoff_latitude_xf, input: dropoff_latitude, ops: [fill_missing, {bucketize: {num_buckets: 10}}]}
- {name: dropoff_longitude_xf, input: dropoff_longitude, ops: [fill_missing, {bucketize: {num_buckets: 10}}]}
- {name: payment_type_xf, input: payment_type, ops: [fill_missing, {compute_and_apply_vocabulary: {top_k: 1000, num_oov_buckets: 10}}]}
- {name: company_xf, input: company, ops: [fill_missing, {compute_and_apply_vocabulary: {top_k: 1000, num_oov_buckets: 10}}]}
- {name: trip_start_hour_xf, input: trip_start_hour, ops: [fill_missing, {categorical_identity: {num_buckets: 24}}]}
- {name: trip_start_day_xf, input: trip_start_day, ops: [fill_missing, {categorical_identity: {num_buckets: 8}}]}
- {name: trip_start_month_xf, input: trip_start_month, ops: [fill_missing, {categorical_identity: {num_buckets: 13}}]}
- {name: pickup_community_area_xf, input: pickup_community_area, ops: [fill_missing, {categorical_identity: {num_buckets: 78}}]}
- {name: dropoff_community_area_xf, input: dropoff_community_area, ops: [fill_missing, {categorical_identity: {num_buckets: 78}}]}
- {name: pickup_census_tract_xf, input: pickup_census_tract, ops: [fill_missing, {compute_and_apply_vocabulary: {top_k: 1000, num_oov_buckets: 10}}]}
- {name: dropoff_census_tract_xf, input: dropoff_census_tract, ops: [fill_missing, {compute_and_apply_vocabulary: {top_k: 1000, num_oov_buckets: 10}}]}
- {name: tips_xf, expression: "tips > 0.2 * fare", expression_type: int}
EOF

graph="$work/transform_graph_${rows}"
transformed="$work/transformed_${rows}"
rm -rf "$graph" "$transformed"
measure "$weir" transform --examples "$examples" --schema "$schema" --spec "$spec" \
    --transform_graph "$graph" --transformed_examples "$transformed"
weir_s=$seconds weir_mb=$peak_mb
transformed_rows=$(awk '/examples transformed/ { n += $2 } END { print n + 0 }' "$work/stdout.txt")
[[ "$transformed_rows" == "$rows" ]] ||
  { echo "weir transformed $transformed_rows examples, expected $rows" >&2; exit 1; }
analyzed=$(awk '/^analyzed_examples:/ { print $2 }' "$graph/transform_graph.pbtxt")
out_mb=$(($(du -sbL "$transformed" | cut -f1) / 1000000))

# The same preprocessing in pandas, with no output written. pandas has no ExampleGen split, so
# "train" is every row whose index is not a multiple of 3 (2/3 of the rows, as train:2 eval:1).
measure "$python" -c "
import sys, time
import numpy, pandas
start = time.perf_counter()
frame = pandas.read_csv(sys.argv[1])
read_s = time.perf_counter() - start
train = (numpy.arange(len(frame)) % 3) != 0
out = {}
for name in ['trip_miles', 'fare', 'trip_seconds']:
    x = frame[name].fillna(0).to_numpy(dtype=numpy.float64)
    mean, std = x[train].mean(), x[train].std()  # population std, as tf.Transform
    out[name + '_xf'] = (x - mean) / std if std > 0 else x - mean
for name in ['pickup_latitude', 'pickup_longitude', 'dropoff_latitude', 'dropoff_longitude']:
    x = frame[name].fillna(0).to_numpy(dtype=numpy.float64)
    bounds = numpy.quantile(x[train], numpy.linspace(0.1, 0.9, 9))  # pandas.qcut's boundaries
    out[name + '_xf'] = numpy.searchsorted(bounds, x, side='right')
for name in ['payment_type', 'company', 'pickup_census_tract', 'dropoff_census_tract']:
    column = frame[name]
    if column.dtype == object or column.isna().all():  # weir reads an all-empty column as strings
        column = column.astype(object).fillna('')
    else:
        column = column.fillna(0).astype(numpy.int64)
    counts = column[train].value_counts()
    counts = counts[counts.index != '']  # tf.Transform leaves empty tokens out
    vocabulary = pandas.Index(counts.index[:1000])
    ids = vocabulary.get_indexer(column)
    oov = ids < 0
    ids[oov] = len(vocabulary) + pandas.util.hash_array(column.to_numpy()[oov]) % 10
    out[name + '_xf'] = ids
for name, buckets in [('trip_start_hour', 24), ('trip_start_day', 8), ('trip_start_month', 13),
                      ('pickup_community_area', 78), ('dropoff_community_area', 78)]:
    x = frame[name].fillna(0).to_numpy().astype(numpy.int64)
    out[name + '_xf'] = numpy.where((x >= 0) & (x < buckets), x, 0)
out['tips_xf'] = (frame['tips'] > 0.2 * frame['fare']).to_numpy().astype(numpy.int64)
result = pandas.DataFrame(out)
print(len(result), time.perf_counter() - start, read_s)
" "$csv"
read -r pandas_rows pandas_s pandas_read_s < "$work/stdout.txt"
pandas_mb=$peak_mb
[[ "$pandas_rows" == "$rows" ]] || { echo "pandas read $pandas_rows rows, expected $rows" >&2; exit 1; }

awk -v rows="$rows" -v analyzed="$analyzed" -v out="$out_mb" -v ws="$weir_s" -v wm="$weir_mb" \
    -v ps="$pandas_s" -v pr="$pandas_read_s" -v pm="$pandas_mb" 'BEGIN {
  printf "%-50s %8s %12s %9s\n", "", "seconds", "rows/s", "peak MB"
  printf "%-50s %8.2f %12.0f %9d\n", "weir transform (Examples in, Examples out)", ws, rows / ws, wm
  printf "%-50s %8.2f %12.0f %9d\n", "pandas read_csv + preprocessing (in-process time)", ps, rows / ps, pm
  printf "%-50s %8.2f\n", "  of which read_csv", pr
  printf "\nweir analyzed %d train examples and wrote %d examples (%d MB of gzip TFRecords)\n", analyzed, rows, out
  printf "weir transform (incl. reading+writing gzip TFRecords) vs pandas in-memory preprocessing: %.1fx\n", ps / ws
  printf "(above 1: weir is faster)\n"
}'
