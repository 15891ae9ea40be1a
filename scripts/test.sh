#!/usr/bin/env bash
# Builds dgw and runs the whole test suite with CTest.
# Usage: scripts/test.sh [--sanitize]   (--sanitize: ASan+UBSan build in build-asan/)
# The sanitizer build also builds the libraries shared (-DBUILD_SHARED_LIBS=ON; ASan works
# across shared objects), so CI proves the shared build passes the whole suite without a
# third full build; the default build stays static. It checks the library: benchmarks,
# examples and the dgw tool (with `dgw gateway serve` and the CLI tests that drive it) are
# left out of it to keep CI within its time budget; their tests run in the default build.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/build"; extra=()
if [ "${1:-}" = "--sanitize" ]; then
  dir="$root/build-asan"; extra=(-DDGW_SANITIZE=ON -DBUILD_SHARED_LIBS=ON -DDGW_BUILD_BENCH=OFF -DDGW_BUILD_EXAMPLES=OFF -DDGW_BUILD_TOOLS=OFF -DCMAKE_BUILD_TYPE=Debug)
fi
"$root/scripts/build.sh" "$dir" "${extra[@]}"
cd "$dir"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --output-on-failure --timeout 900 -j "$(nproc)"
