#!/usr/bin/env bash
# The main job: builds the dgw tool and decodes the bundled capture (examples/capture.zstd:
# 300 messages of a simulated busy bot, ETF over zstd-stream as Discord sends it) into the
# generated types, printing a few typed events as JSON lines, then the table per event type.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# `dgw` is the library's CMake target; the program's target is dgw_tool (build/tools/dgw).
DGW_TARGETS="dgw_tool" "$root/scripts/build.sh" "$root/build"
"$root/build/tools/dgw" decode --stats --events READY,MESSAGE_CREATE,INTERACTION_CREATE --limit 4 \
    "$root/examples/capture.zstd"
