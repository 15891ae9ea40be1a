#!/usr/bin/env bash
# Uses dgw the ways a user would, from an already built dgw build tree:
#   1. cmake --install into a temporary prefix; tests/consumer built with only
#      CMAKE_PREFIX_PATH; both programs run; client_only's link has no OpenSSL
#   2. the consumer with dgw through add_subdirectory and through FetchContent (git clone
#      of this checkout's HEAD): dgw's tests and tools are not configured, flags untouched;
#      FetchContent is configured only (the same CMake code add_subdirectory built and ran)
#   3. pkg-config --cflags --libs dgw compiles and links a one-file program (and dgw-cluster,
#      with find_package(dgw COMPONENTS cluster), when dgw::cluster was built)
#   4. cpack -G DEB; dpkg-deb -c lists the CMake package and headers; the consumer builds
#      against the package extracted with dpkg -x
# Usage: tests/consumer/run.sh [BUILD_DIR]   (default build/, as scripts/test.sh leaves it)
# Prints "consumer: PASS" at the end, or "consumer: FAIL: <step>" and exits 1.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
jobs=${DGW_JOBS:-$(nproc)}
step="start"
fail() { echo "consumer: FAIL: $step${1:+: $1}"; exit 1; }
trap 'echo "consumer: FAIL: $step (command failed, line $LINENO)"' ERR

configure() { # DIR ARGS...: configure the consumer quietly, the log kept for a failure
  local dir=$1; shift
  cmake -S "$root/tests/consumer" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_EXPORT_COMPILE_COMMANDS=ON "$@" >"$dir.log" 2>&1 || { cat "$dir.log"; fail "configure"; }
}
build_and_run() { # DIR: build both programs and run them
  local dir=$1
  cmake --build "$dir" --parallel "$jobs" >>"$dir.log" 2>&1 || { tail -n 40 "$dir.log"; fail "build"; }
  "$dir/client_only" || fail "client_only"
  "$dir/shard_ready" || fail "shard_ready"
}
link_line() { # DIR TARGET: the command that links TARGET (Ninja)
  ninja -C "$1" -t commands "$2" | tail -n 1
}
no_openssl() { # DIR: client_only's link line, and the program itself, have no OpenSSL
  local dir=$1
  echo "consumer: client_only links with: $(link_line "$dir" client_only | grep -o ' -o .*')"
  # Each listing is read whole before grep sees it: `cmd | grep -q` under pipefail fails at
  # random when grep exits on the first match and cmd then dies of SIGPIPE.
  local link libs syms
  link=$(link_line "$dir" client_only); libs=$(ldd "$dir/client_only"); syms=$(nm -C "$dir/client_only")
  if grep -Eq 'ssl|crypto' <<<"$link"; then fail "client_only links OpenSSL"; fi
  if grep -Eq 'libssl|libcrypto' <<<"$libs"; then fail "client_only loads OpenSSL"; fi
  if grep -Eq ' (SSL|EVP)_' <<<"$syms"; then fail "client_only has OpenSSL symbols"; fi
  # The same check finds OpenSSL where it belongs, so it is not vacuous (ldd: with shared
  # libraries OpenSSL is libdgw_shard.so's dependency, not on the program's link line).
  libs=$(ldd "$dir/shard_ready")
  grep -q 'libssl' <<<"$libs" || fail "shard_ready without OpenSSL?"
  echo "consumer: client_only links no OpenSSL (link line, ldd, nm)"
}
flags_untouched() { # DIR: the consumer's own files compile with its flags, none of dgw's
  local cmd
  cmd=$(grep -o '"command": "[^"]*client_only.cpp[^"]*"' "$1/compile_commands.json")
  [[ $cmd == *-Wall* ]] || fail "the consumer's -Wall is gone"
  [[ $cmd != *-Wextra* && $cmd != *-Wpedantic* && $cmd != *fsanitize* ]] || fail "dgw's flags leaked: $cmd"
}

step="install"
prefix="$work/prefix"
cmake --install "$build" --prefix "$prefix" >"$work/install.log"
for f in lib/cmake/dgw/dgwConfig.cmake lib/cmake/dgw/dgwConfigVersion.cmake lib/cmake/dgw/dgwTargets.cmake \
         lib/pkgconfig/dgw.pc include/dgw/shard.hpp include/dgw/client.hpp include/dgw/gateway.hpp bin/dgw; do
  [ -e "$prefix/$f" ] || fail "$f not installed"
done

step="find_package (install prefix)"
configure "$work/pkg" -DCMAKE_PREFIX_PATH="$prefix"
build_and_run "$work/pkg"
no_openssl "$work/pkg"
flags_untouched "$work/pkg"
"$prefix/bin/dgw" --help >/dev/null || fail "installed dgw tool"

step="package rules"
# COMPONENTS client looks for neither OpenSSL nor Threads (both disabled here); the version
# rule is SameMinorVersion (0.2 accepts 0.2 requests only); an unknown component fails.
mkdir -p "$work/rules"
cat >"$work/rules/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.21)
project(rules CXX)
find_package(dgw ${WANT} REQUIRED COMPONENTS ${COMPONENTS})
CMAKE
rules() { # EXPECT(ok|fail) VERSION COMPONENTS
  local got=ok
  cmake -S "$work/rules" -B "$work/rules/b-$RANDOM" -DCMAKE_PREFIX_PATH="$prefix" -DWANT="$2" \
    -DCOMPONENTS="$3" -DCMAKE_DISABLE_FIND_PACKAGE_OpenSSL=ON -DCMAKE_DISABLE_FIND_PACKAGE_Threads=ON \
    >"$work/rules.log" 2>&1 || got=fail
  [ "$got" = "$1" ] || { cat "$work/rules.log"; fail "find_package(dgw $2 COMPONENTS $3): $got, expected $1"; }
}
rules ok 0.2 client
rules ok 0.2.0 codec
rules fail 0.2 shard   # needs OpenSSL, which is disabled: proves the others did not look
rules fail 0.1 client
rules fail 0.3 client
rules fail 1.0 client
rules fail 0.2 nonsense
echo "consumer: find_package(dgw 0.2 COMPONENTS client) needs no OpenSSL; 0.1, 0.3, 1.0 refused"

step="cluster component"
# dgw::cluster (when built): find_package(dgw COMPONENTS cluster) finds hiredis for it, and
# pkg-config dgw-cluster links the same program.
if [ -e "$prefix/include/dgw/cluster_node.hpp" ]; then
  mkdir -p "$work/cl"
  cat >"$work/cl/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.21)
project(cluster_use CXX)
set(CMAKE_CXX_STANDARD 20)
find_package(dgw 0.2 REQUIRED COMPONENTS cluster)
add_executable(cluster_use $root/tests/consumer/cluster_use.cpp)
target_link_libraries(cluster_use PRIVATE dgw::cluster)
CMAKE
  cmake -S "$work/cl" -B "$work/cl/b" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >"$work/cl.log" 2>&1 || { cat "$work/cl.log"; fail "configure"; }
  cmake --build "$work/cl/b" >>"$work/cl.log" 2>&1 || { tail -n 30 "$work/cl.log"; fail "build"; }
  "$work/cl/b/cluster_use" || fail "cluster_use (find_package)"
  pc_cluster=$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs dgw-cluster)
  # shellcheck disable=SC2086 # the flags are words
  g++ -std=c++20 -O1 -o "$work/pc_cluster_use" "$root/tests/consumer/cluster_use.cpp" $pc_cluster
  LD_LIBRARY_PATH="$prefix/lib" "$work/pc_cluster_use" || fail "cluster_use (pkg-config)"
  echo "consumer: dgw::cluster through find_package(COMPONENTS cluster) and pkg-config dgw-cluster"
fi

step="add_subdirectory"
configure "$work/sub" -DDGW_CONSUMER_MODE=subdir -DDGW_SOURCE_DIR="$root"
build_and_run "$work/sub"
flags_untouched "$work/sub"
grep -h "consumer: dgw defined no" "$work/sub.log" | sed 's/^-- //' 

step="FetchContent"
# Once fetched, the sources go through the same CMake code as add_subdirectory, which the
# step above built and ran: here the fetch and the configure are what is new, so nothing is
# compiled (building dgw::codec a third time cost CI ~2 minutes and tested nothing more).
# The generated build must still link client_only against dgw's targets.
configure "$work/fetch" -DDGW_CONSUMER_MODE=fetch -DDGW_GIT_REPOSITORY="$root" \
  -DDGW_GIT_TAG="$(git -C "$root" rev-parse HEAD)"
ninja -C "$work/fetch" -t commands client_only | tail -n 1 | grep -q 'libdgw_client.a' \
  || fail "client_only does not link dgw::client"
flags_untouched "$work/fetch"
grep -h "consumer: dgw defined no" "$work/fetch.log" | sed 's/^-- //' 

step="pkg-config"
pc_flags=$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs dgw)
echo "consumer: pkg-config --cflags --libs dgw: $pc_flags"
# shellcheck disable=SC2086 # the flags are words
g++ -std=c++20 -O1 -o "$work/pc_shard_ready" "$root/tests/consumer/shard_ready.cpp" $pc_flags
LD_LIBRARY_PATH="$prefix/lib" "$work/pc_shard_ready" || fail "the pkg-config build"

step="cpack -G DEB"
(cd "$build" && cpack -G DEB >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; fail; }
deb=$(ls -t "$build"/libdgw-dev_*.deb | head -n 1)
contents=$(dpkg-deb -c "$deb")
for f in ./usr/lib/cmake/dgw/dgwConfig.cmake ./usr/lib/cmake/dgw/dgwTargets.cmake ./usr/lib/pkgconfig/dgw.pc \
         ./usr/include/dgw/shard.hpp ./usr/include/dgw/client.hpp ./usr/bin/dgw; do
  grep -q " $f\$" <<<"$contents" || fail "$f missing from $(basename "$deb")"
done
echo "consumer: $(basename "$deb"): Depends: $(dpkg-deb -f "$deb" Depends)"
grep -Eq '^[^<>]+ <[^@<>]+@[^@<>]+>$' <<<"$(dpkg-deb -f "$deb" Maintainer)" \
  || fail "Maintainer is not 'Name <address>': $(dpkg-deb -f "$deb" Maintainer)"
dpkg -x "$deb" "$work/deb"
configure "$work/debc" -DCMAKE_PREFIX_PATH="$work/deb/usr"
build_and_run "$work/debc"

trap - ERR
echo "consumer: PASS (install prefix, add_subdirectory, FetchContent, pkg-config, .deb)"
