#!/usr/bin/env bash
# The main job: builds dgw and decodes the bundled capture of gateway traffic.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh" "$root/build"
"$root/build/examples/etf_to_json" "$root/examples/hello.etf"
