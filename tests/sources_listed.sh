#!/usr/bin/env bash
# The libraries' source lists in CMakeLists.txt are explicit (no GLOB): every .cpp of an
# include root must be listed there, or a new file would silently stay out of the build.
# Usage: sources_listed.sh SOURCE_DIR
set -euo pipefail
cd "$1"
missing=0
for f in $(find encoding generated client shard -name '*.cpp' | sort); do
  grep -qE "^\s+$f\)?\s*$" CMakeLists.txt || { echo "not in CMakeLists.txt: $f"; missing=1; }
done
[ $missing -eq 0 ] && echo "sources_listed: every library source is listed"
exit $missing
