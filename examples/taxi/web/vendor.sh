#!/usr/bin/env bash
# Puts onnxruntime-web's files for this page in vendor/ (from the npm registry, never a CDN):
#   examples/taxi/web/vendor.sh [NODE_MODULES]
# With NODE_MODULES (a folder holding onnxruntime-web), copies from there instead of installing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version=1.30.0
modules="${1:-}"
if [[ -z "$modules" ]]; then
  scratch="$(mktemp -d)"
  trap 'rm -rf "$scratch"' EXIT
  npm install --prefix "$scratch" --ignore-scripts --no-audit --no-fund --loglevel=error \
    "onnxruntime-web@$version" >/dev/null
  modules="$scratch/node_modules"
fi
mkdir -p "$here/vendor"
for file in ort.wasm.min.mjs ort-wasm-simd-threaded.mjs ort-wasm-simd-threaded.wasm; do
  cp "$modules/onnxruntime-web/dist/$file" "$here/vendor/"
done
echo "vendor/: onnxruntime-web $(node -p "require('$modules/onnxruntime-web/package.json').version")"
