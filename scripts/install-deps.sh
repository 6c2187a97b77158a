#!/usr/bin/env bash
# Installs the Debian 12 packages weir needs, through sudo when not root. Only missing packages
# are installed, so a second run is quick and needs no network.
#   scripts/install-deps.sh          build and run weir
#   scripts/install-deps.sh --test   also what the tests and benchmarks need
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config
  libabsl-dev libprotobuf-dev protobuf-compiler
  libnghttp2-dev  # weir serve's gRPC transport
  libgrpc++-dev protobuf-compiler-grpc  # gRPC clients of weir serve in tests
  libcli11-dev libspdlog-dev libfmt-dev nlohmann-json3-dev libyaml-cpp-dev
  libfast-float-dev libdeflate-dev zlib1g-dev libxxhash-dev libssl-dev
  libboost-dev  # header-only parts: pdqsort (the quantile sketch sorts values all the time)
  libjemalloc-dev  # the weir binary's allocator (many small blocks per request)
  libsqlite3-dev libpq-dev  # the metadata store: SQLite, or PostgreSQL through libpq
  libmuparser-dev libfarmhash-dev  # Transform: expressions, tf.Transform's string hash
  libxgboost-dev  # Trainer: the gbdt family
  libtorch-dev libopenblas0-pthread  # Trainer: wide_deep and linear (OpenBLAS: the reference BLAS is ~8x slower)
  libasio-dev libhttp-parser-dev  # HTTP/1.1: weir serve's REST API and the web UI
  libgraphviz-dev  # the web UI: pipeline graph layout (libgvc and its dot and svg plug-ins)
  libjs-chart.js   # the web UI: charts (compiled into the binary)
  # The build also compiles the tests and micro-benchmarks (they are small).
  libgtest-dev libgmock-dev libbenchmark-dev
)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(
    python3 python3-pandas  # bench/: pandas.read_csv is the peer weir is measured against
    time hyperfine          # bench/: peak memory and start-up time
    wrk nghttp2-client      # bench/serve.sh: HTTP and gRPC load (wrk, h2load)
    python3-torch python3-xgboost python3-sklearn  # bench/train_vs_python.sh: the Python peers
    postgresql              # the metadata store's tests run against a private server too
    chromium nodejs         # tests/browser: the UI in headless Chromium through playwright-core
    python3-onnx            # tests/onnx: ONNX's own checker reads every exported file
    clang libclang-rt-14-dev  # scripts/fuzz.sh: libFuzzer with AddressSanitizer and UBSan
  )
  # npm comes with some nodejs builds (NodeSource's); Debian's own is a separate package.
  command -v npm >/dev/null || packages+=(npm)
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  sudo=(sudo)
fi
echo "Installing: ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
