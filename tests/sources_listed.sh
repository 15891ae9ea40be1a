#!/usr/bin/env bash
# The libraries' source lists in CMakeLists.txt are explicit (no GLOB): every .cpp of an
# include root must be listed there, or a new file would silently stay out of the build.
# Usage: sources_listed.sh SOURCE_DIR
set -euo pipefail
cd "$1"
missing=0
# src/ was split into client/ and shard/ (0.2); a file that lands there again is in no target.
if [ -d src ]; then
  echo "src/ exists: library files belong to client/dgw/ (sans-IO) or shard/dgw/ (networking)"
  missing=1
fi
for f in $(find encoding generated client shard cluster -name '*.cpp' | sort); do
  grep -qE "^\s+$f\)?\s*$" CMakeLists.txt || { echo "not in CMakeLists.txt: $f"; missing=1; }
done
[ $missing -eq 0 ] && echo "sources_listed: every library source is listed"
exit $missing
