#!/usr/bin/env bash
# The main job: builds the decoder and decodes the bundled capture of gateway traffic
# (300 messages of a simulated busy bot, ETF as Discord sends it) into the generated types,
# printing the first messages as typed JSON and a table per event type.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
DGW_TARGETS="decode_capture" "$root/scripts/build.sh" "$root/build"
"$root/build/examples/decode_capture" "$root/examples/capture.etf" --limit 5
