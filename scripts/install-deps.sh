#!/usr/bin/env bash
# Installs what building and testing dgw needs on a Debian 12 machine.
# Idempotent and quiet when everything is already there; used by the README commands and CI.
set -euo pipefail

pkgs=(
  g++ cmake ninja-build pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-test1.81-dev libboost-url1.81-dev
  libzstd-dev zstd zlib1g-dev libssl-dev libbenchmark-dev
  time
  libcli11-dev
  python3-jinja2 python3-yaml
  doxygen
  libhiredis-dev redis-server
  libmsgpuck-dev
  erlang-base
  clang libclang-rt-14-dev
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
