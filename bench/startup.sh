#!/usr/bin/env bash
# Start-up time of the weir binary (goal, issue 23: `weir --help` and every command that needs no
# heavy library <= 10 ms). LibTorch, XGBoost, libpq, Graphviz and muparser are loaded on first use
# only, and libcrypto not at all: the script prints how many shared libraries a start loads and
# checks that none of those is among them.
# Needs hyperfine (Debian package) and a Release build; WEIR_BIN names another binary.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
weir="${WEIR_BIN:-$root/build/release/bin/weir}"
loaded=$(LD_DEBUG=files "$weir" --help 2>&1 >/dev/null | grep -c 'calling init:' || true)
heavy=$(LD_DEBUG=files "$weir" --help 2>&1 >/dev/null |
  grep -o 'calling init: [^ ]*\(libtorch\|libxgboost\|libpq\|libcrypto\|libgvc\|libcgraph\|libmuparser\|libgomp\)[^ ]*' || true)
echo "shared libraries initialised at start: $loaded; heavy ones among them: ${heavy:-none}"
hyperfine -N --warmup 5 --runs 200 "$weir --help" "$weir examplegen --help" "$weir runs --help"
