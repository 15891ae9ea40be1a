# Finds hiredis for dgw::cluster and defines the imported target dgw_hiredis::hiredis.
#
# Debian 12's libhiredis-dev (0.14) ships a HiredisConfig.cmake that sets variables only,
# no target, and hard-codes /usr paths; this module finds the same files by the usual
# search and gives them a target. Installed with dgw's CMake package.
#
# Result variables: dgw_hiredis_FOUND, dgw_hiredis_INCLUDE_DIR, dgw_hiredis_LIBRARY.

find_path(dgw_hiredis_INCLUDE_DIR hiredis/hiredis.h)
find_library(dgw_hiredis_LIBRARY NAMES hiredis)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(dgw_hiredis REQUIRED_VARS dgw_hiredis_LIBRARY dgw_hiredis_INCLUDE_DIR)
mark_as_advanced(dgw_hiredis_INCLUDE_DIR dgw_hiredis_LIBRARY)

if(dgw_hiredis_FOUND AND NOT TARGET dgw_hiredis::hiredis)
  add_library(dgw_hiredis::hiredis UNKNOWN IMPORTED)
  set_target_properties(dgw_hiredis::hiredis PROPERTIES
    IMPORTED_LOCATION "${dgw_hiredis_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${dgw_hiredis_INCLUDE_DIR}")
endif()
