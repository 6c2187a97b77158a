# Sourced by the benches that race weir against pandas on generated taxi data, after they set
# `rows`. Sets root, bin (the build's binaries), weir (WEIR_BIN, default $bin/weir), work
# (BENCH_DIR, default /tmp/weir-bench), python (Debian's interpreter, which has python3-pandas),
# input (a folder holding only csv, for ExampleGen's --input_base, which reads every file of its
# folder) and csv (a taxi CSV of $rows rows, generated on first use and shared by the benches);
# defines measure.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin="$root/build/release/bin"
weir="${WEIR_BIN:-$bin/weir}"
work="${BENCH_DIR:-/tmp/weir-bench}"
python=/usr/bin/python3
input="$work/input_${rows}"
mkdir -p "$input"
csv="$input/taxi.csv"
if [[ ! -f "$csv" ]]; then
  echo "Generating $rows rows into $csv"
  "$weir" datagen taxi --rows "$rows" --seed 1 --out "$csv"
fi

# Runs a command under /usr/bin/time, its stdout into $work/stdout.txt; sets $seconds (wall) and
# $peak_mb (max RSS).
measure() {
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" > "$work/stdout.txt"
  read -r seconds peak_kb < "$work/time.txt"
  peak_mb=$((peak_kb / 1024))
}
