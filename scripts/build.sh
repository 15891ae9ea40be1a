#!/usr/bin/env bash
# Configures and builds dgw into a build directory (default: build/).
# Usage: scripts/build.sh [BUILD_DIR] [extra cmake args...]
#        DGW_TARGETS="a b" scripts/build.sh ...   builds only those targets
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
dir=${1:-"$root/build"}; shift || true
# -g1 (line tables, no types or locals): backtraces and sanitizer reports keep file:line,
# and Beast-heavy files compile much faster than with -g (test_shard_timeouts.cpp at -O2:
# 82 s with -g, 47 s with -g1, 44 s with no debug information).
if [ ! -f "$dir/build.ninja" ]; then
  cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" -DCMAKE_CXX_FLAGS_DEBUG="-g1" "$@" >/dev/null
fi
targets=()
for t in ${DGW_TARGETS:-}; do targets+=(--target "$t"); done
cmake --build "$dir" --parallel "$(nproc)" "${targets[@]}"
