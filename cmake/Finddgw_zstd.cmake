# Finds libzstd for dgw and defines the imported target dgw_zstd::zstd.
#
# Debian 12's libzstd-dev installs no CMake package (only libzstd.pc), and the name
# FindZstd.cmake is taken by many projects with different result variables, so this
# module has a name of our own. Installed with dgw's CMake package; dgwConfig.cmake uses it.
#
# Result variables: dgw_zstd_FOUND, dgw_zstd_INCLUDE_DIR, dgw_zstd_LIBRARY, dgw_zstd_VERSION.

find_path(dgw_zstd_INCLUDE_DIR zstd.h)
find_library(dgw_zstd_LIBRARY NAMES zstd)

if(dgw_zstd_INCLUDE_DIR AND EXISTS "${dgw_zstd_INCLUDE_DIR}/zstd.h")
  file(STRINGS "${dgw_zstd_INCLUDE_DIR}/zstd.h" _dgw_zstd_v REGEX "^#define ZSTD_VERSION_(MAJOR|MINOR|RELEASE) +[0-9]+")
  string(REGEX REPLACE ".*MAJOR +([0-9]+).*MINOR +([0-9]+).*RELEASE +([0-9]+).*" "\\1.\\2.\\3"
         dgw_zstd_VERSION "${_dgw_zstd_v}")
  unset(_dgw_zstd_v)
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(dgw_zstd
  REQUIRED_VARS dgw_zstd_LIBRARY dgw_zstd_INCLUDE_DIR
  VERSION_VAR dgw_zstd_VERSION)
mark_as_advanced(dgw_zstd_INCLUDE_DIR dgw_zstd_LIBRARY)

if(dgw_zstd_FOUND AND NOT TARGET dgw_zstd::zstd)
  add_library(dgw_zstd::zstd UNKNOWN IMPORTED)
  set_target_properties(dgw_zstd::zstd PROPERTIES
    IMPORTED_LOCATION "${dgw_zstd_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${dgw_zstd_INCLUDE_DIR}")
endif()
