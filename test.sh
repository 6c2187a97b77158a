#!/usr/bin/env bash
# Installs what the tests need, builds everything in Release and runs every test through ctest.
# Exits non-zero if any test fails. Extra arguments go to ctest (e.g. -R Csv, -L slow, -LE slow).
set -euo pipefail
cd "$(dirname "$0")"

scripts/install-deps.sh --test
# The browser test's one npm package (playwright-core, pinned in package-lock.json).
if [[ ! -d tests/browser/node_modules/playwright-core ]]; then
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi
# The ONNX tests' runtime (onnxruntime-node, pinned in package-lock.json). Its install script
# would download GPU libraries; the CPU build it needs is in the package itself.
if [[ ! -d tests/onnx/node_modules/onnxruntime-node ]]; then
  (cd tests/onnx && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
# Tests read ../shared (TFX-written golden files, the taxi data) beside the checkout.
shared="${WEIR_SHARED_DIR:-$(cd .. && pwd)/shared}"
if [[ ! -d "$shared/tfx-golden" ]]; then
  echo "test.sh: $shared/tfx-golden not found; set WEIR_SHARED_DIR to the shared data folder" >&2
  exit 1
fi
cmake --preset release -DWEIR_SHARED_DIR="$shared" >/dev/null
cmake --build --preset release

# The metadata store's tests run against PostgreSQL as well as SQLite: unless WEIR_TEST_POSTGRES
# names a server already, a private one is started on 127.0.0.1 for this run and removed after.
if [[ -z "${WEIR_TEST_POSTGRES:-}" ]]; then
  postgres_dir="$(mktemp -d /tmp/weir-test-postgres.XXXXXX)"
  trap 'scripts/test-postgres.sh stop "$postgres_dir"' EXIT
  WEIR_TEST_POSTGRES="$(scripts/test-postgres.sh start "$postgres_dir")"
  export WEIR_TEST_POSTGRES
fi
ctest --preset release -j "$(nproc)" "$@"
