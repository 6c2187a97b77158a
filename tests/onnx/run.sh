#!/usr/bin/env bash
# `weir export onnx` checked with the real runtimes, as ctest runs it: trains a model with `weir
# run` in a fresh WEIR_HOME, exports it, has Debian's onnx checker (python3-onnx) accept the file,
# and compares onnxruntime-node's outputs with `weir serve`'s on every row of the data
# (compare.mjs).
#   tests/onnx/run.sh WEIR_BINARY CASE
# CASE: gbdt, linear or wide_deep (the taxi tutorial's pipeline on its 15,000 rows), or
# multiclass-FAMILY or regression-FAMILY (a small CSV that make_dataset.py makes, every op ONNX
# can express), or refused (a hash_strings feature: the export must fail, naming it), or browser
# (the taxi pipeline as the example pushes it, with model.onnx beside each version, and the
# example page examples/taxi/web/ in Chromium: browser.test.mjs).
# Needs `npm ci --ignore-scripts` in tests/onnx first (./test.sh does it). A missing runtime is a
# failure, never a skip.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
weir="${1:?usage: run.sh WEIR_BINARY CASE}"
case_name="${2:?usage: run.sh WEIR_BINARY CASE}"
if [[ ! -d "$here/node_modules/onnxruntime-node" ]]; then
  echo "run.sh: onnxruntime-node is not installed; run 'npm ci --ignore-scripts' in $here" >&2
  exit 1
fi

. "$here/../lib/test_home.sh" onnx

case "$case_name" in
  browser)
    "$weir" init --example taxi >/dev/null
    pipeline="$home/examples/taxi/pipeline.yaml"
    cp "$here/../../examples/taxi/pipeline_solution.yaml" "$pipeline"
    data="$home/examples/taxi/data/data.csv"
    ;;
  gbdt | linear | wide_deep)
    "$weir" init --example taxi >/dev/null
    pipeline="$home/examples/taxi/pipeline.yaml"
    # The tutorial's pipeline with this family; few steps: the test is about the export.
    sed -e "s/family: gbdt .*/family: $case_name\n        train_steps: 400/" \
      "$here/../../examples/taxi/pipeline_solution.yaml" >"$pipeline"
    data="$home/examples/taxi/data/data.csv"
    ;;
  multiclass-* | regression-* | refused)
    mkdir -p "$home/dataset/data"
    pipeline="$home/dataset/pipeline.yaml"
    data="$home/dataset/data/data.csv"
    if [[ "$case_name" == refused ]]; then
      /usr/bin/python3 "$here/make_dataset.py" hashed gbdt "$data" "$pipeline"
    else
      /usr/bin/python3 "$here/make_dataset.py" "${case_name%%-*}" "${case_name#*-}" "$data" "$pipeline"
    fi
    ;;
  *)
    echo "run.sh: unknown case '$case_name'" >&2
    exit 2
    ;;
esac
"$weir" run "$pipeline" >"$home/run.log" 2>&1 || { cat "$home/run.log"; exit 1; }
model="$(ls -d "$home"/artifacts/*/Trainer/model/*/ | head -n 1)"

if [[ "$case_name" == browser ]]; then
  version="$(ls -d "$home"/serving_model/taxi/*/ | head -n 1)"
  [[ -s "$version/model.onnx" ]] || { echo "run.sh: the Pusher wrote no $version/model.onnx" >&2; exit 1; }
  cp -r "$here/../../examples/taxi/web" "$home/web"
  "$home/web/vendor.sh" "$here/node_modules"
  cp "$version/model.onnx" "$home/web/"
  port="$(free_port)"
  start_background serve.log "$port" "$weir" serve --model_name taxi \
    --model_base_path "$home/serving_model/taxi" --address 127.0.0.1 --rest_api_port "$port" \
    --port "$(free_port)"
  for _ in $(seq 100); do  # Until the model is loaded.
    curl -sf "http://127.0.0.1:$port/v1/models/taxi" >/dev/null && break
    sleep 0.1
  done
  node "$here/browser.test.mjs" --page "$home/web" --csv "$data" \
    --url "http://127.0.0.1:$port/v1/models/taxi:predict"
  exit 0
fi

if [[ "$case_name" == refused ]]; then
  if "$weir" export onnx --model "$model" --output "$home/model.onnx" 2>"$home/error.txt"; then
    echo "run.sh: weir export onnx exported a hash_strings feature" >&2
    exit 1
  fi
  expected="feature 'color_hash': hash_strings cannot be exported to ONNX: ONNX has no string hash"
  grep -qF "$expected" "$home/error.txt" || { echo "run.sh: expected \"$expected\" in:" >&2; cat "$home/error.txt" >&2; exit 1; }
  [[ ! -e "$home/model.onnx" ]] || { echo "run.sh: a refused export left $home/model.onnx" >&2; exit 1; }
  echo "refused as expected: $(cat "$home/error.txt")"
  exit 0
fi
examples="$(ls -d "$home"/artifacts/*/CsvExampleGen/examples/*/ | head -n 1)"
"$weir" export onnx --model "$model" --output "$home/model.onnx" --examples "$examples"
/usr/bin/python3 - "$home/model.onnx" "$home/approximated.json" <<'EOF'
import sys
import onnx
model = onnx.load(sys.argv[1])
onnx.checker.check_model(model, full_check=True)
assert model.ir_version == 8, model.ir_version
assert {(o.domain, o.version) for o in model.opset_import} == {("", 17), ("ai.onnx.ml", 3)}
metadata = {p.key: p.value for p in model.metadata_props}
with open(sys.argv[2], "w") as out:
    out.write(metadata.get("weir.approximated_oov", "[]"))
print(f"onnx.checker accepts {sys.argv[1]} (onnx {onnx.__version__})")
EOF

port="$(free_port)"
start_background serve.log "$port" "$weir" serve --model_name m --model_path "$model" \
  --address 127.0.0.1 --rest_api_port "$port" --port "$(free_port)"
for _ in $(seq 100); do  # Until the model is loaded.
  curl -sf "http://127.0.0.1:$port/v1/models/m" >/dev/null && break
  sleep 0.1
done
node "$here/compare.mjs" --model "$home/model.onnx" --csv "$data" \
  --url "http://127.0.0.1:$port/v1/models/m:predict" \
  --assets "$model/Format-Serving/transform/transform_fn/assets" \
  --approximated "$home/approximated.json"
