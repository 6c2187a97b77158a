#!/usr/bin/env bash
# Start-up time of the weir binary (goal: `weir --help` under 50 ms; LibTorch is never loaded
# for it). Needs hyperfine (Debian package) and a Release build.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
hyperfine -N --warmup 5 --runs 200 "$root/build/release/bin/weir --help" \
  "$root/build/release/bin/weir examplegen --help"
