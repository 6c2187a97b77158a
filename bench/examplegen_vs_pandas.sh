#!/usr/bin/env bash
# CSV parsing and the whole CsvExampleGen against pandas.read_csv, on one generated taxi file,
# in the same run. Prints MB/s, rows/s, peak RSS and the ratios.
#   bench/examplegen_vs_pandas.sh [ROWS]        (default 10,000,000 rows, ~1.3 GB)
# Needs a Release build (./test.sh or ./quickstart.sh makes one) and Debian's python3-pandas.
set -euo pipefail
rows="${1:-10000000}"
source "$(dirname "$0")/common.sh"
bytes=$(stat -c %s "$csv")
echo "Input: $csv, $rows rows, $((bytes / 1000000)) MB; $(nproc) cores"
echo

measure "$bin/weir_bench_csv_parse" "$csv"
parse_s=$seconds parse_mb=$peak_mb

measure "$python" -c "
import sys, time
import pandas
start = time.perf_counter()
frame = pandas.read_csv(sys.argv[1])
print(len(frame), time.perf_counter() - start)
" "$csv"
read -r pandas_rows pandas_s < "$work/stdout.txt"
pandas_mb=$peak_mb
[[ "$pandas_rows" == "$rows" ]] || { echo "pandas read $pandas_rows rows, expected $rows" >&2; exit 1; }

rm -rf "$work/examples"
measure "$weir" examplegen --input_base "$input" --output "$work/examples"
examplegen_s=$seconds examplegen_mb=$peak_mb
out_mb=$(( $(du -sb "$work/examples" | cut -f1) / 1000000 ))

awk -v bytes="$bytes" -v rows="$rows" \
    -v ps="$parse_s" -v pm="$parse_mb" -v qs="$pandas_s" -v qm="$pandas_mb" \
    -v es="$examplegen_s" -v em="$examplegen_mb" -v out="$out_mb" 'BEGIN {
  mb = bytes / 1e6
  printf "%-34s %8s %9s %12s %9s\n", "", "seconds", "MB/s", "rows/s", "peak MB"
  printf "%-34s %8.2f %9.0f %12.0f %9d\n", "weir CSV parse into typed columns", ps, mb / ps, rows / ps, pm
  printf "%-34s %8.2f %9.0f %12.0f %9d\n", "pandas.read_csv (in-process time)", qs, mb / qs, rows / qs, qm
  printf "%-34s %8.2f %9.0f %12.0f %9d   (%d MB of gzip TFRecords)\n", "weir examplegen (whole component)", es, mb / es, rows / es, em, out
  printf "\nweir parse vs pandas.read_csv:        %.1fx faster (goal >= 5x)\n", qs / ps
  printf "weir examplegen vs pandas.read_csv:   %.2fx (goal > 1: ExampleGen faster than read_csv alone)\n", qs / es
  printf "peak RSS: parse %d MB, examplegen %d MB (goal < 500 MB whatever the row count)\n", pm, em
}'
