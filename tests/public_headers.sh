#!/usr/bin/env bash
# Compiles every public header alone (-fsyntax-only, one translation unit per header), as a
# user who includes only that header would, and checks the edge of each target:
#   dgw::codec and dgw::client headers pull in neither Beast, Asio nor OpenSSL;
#   dgw::client headers do not pull in Boost.JSON's DOM (value, object, array, string);
#   dgw::cluster headers do not pull in hiredis.
# Public = every .hpp of the include roots outside a detail/ folder, i.e. what
# `cmake --install` puts into include/dgw/ and promises.
# Usage: public_headers.sh CXX SOURCE_DIR
set -euo pipefail
cxx=$1 src=$2
export cxx src

check() { # ROOT/dgw/NAME.hpp
  local file=$1 root=${1%%/*} rel=${1#*/}
  local forbid=""
  case $root in
    encoding|generated|client)
      forbid+="#if defined(BOOST_BEAST_CORE_DETAIL_CONFIG_HPP) || defined(BOOST_ASIO_DETAIL_CONFIG_HPP) || defined(OPENSSL_SSL_H)
#error \"$rel (dgw::$root) pulls in Beast, Asio or OpenSSL\"
#endif
" ;;
  esac
  if [ "$root" = cluster ]; then
    forbid+="#if defined(__HIREDIS_H) || defined(HIREDIS_H)
#error \"$rel (dgw::cluster) pulls in hiredis\"
#endif
"
  fi
  if [ "$root" = client ]; then
    forbid+="#if defined(BOOST_JSON_VALUE_HPP) || defined(BOOST_JSON_OBJECT_HPP) || defined(BOOST_JSON_ARRAY_HPP) || defined(BOOST_JSON_STRING_HPP)
#error \"$rel (dgw::client) pulls in Boost.JSON's DOM\"
#endif
"
  fi
  printf '#include <%s>\n%s' "$rel" "$forbid" |
    "$cxx" -std=c++20 -fsyntax-only -Wall -Wextra -Wpedantic -Werror \
      -I"$src/encoding" -I"$src/generated" -I"$src/client" -I"$src/shard" -I"$src/cluster" -x c++ - 2>&1 |
    sed "s|^|$rel: |" || true
}
export -f check

cd "$src"
roots="encoding generated client shard"
[ -d cluster ] && roots+=" cluster"
headers=$(find $roots -name '*.hpp' -not -path '*/detail/*' | sort)
out=$(printf '%s\n' $headers | xargs -P "$(nproc)" -I{} bash -c 'check {}')
n=$(printf '%s\n' $headers | wc -l)
if [ -n "$out" ]; then
  printf '%s\n' "$out"
  echo "public_headers: FAIL"
  exit 1
fi
echo "public_headers: $n public headers compile alone"
