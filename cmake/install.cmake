# Install rules, the CMake package, the pkg-config files and the Debian package (CPack).
# Included by the top-level CMakeLists.txt when DGW_INSTALL is on.

set(DGW_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/dgw)

set(DGW_INSTALL_TARGETS dgw_codec dgw_client dgw_shard dgw)
set(DGW_INSTALL_INCLUDE_ROOTS encoding generated client shard)
if(TARGET dgw_cluster)
  list(APPEND DGW_INSTALL_TARGETS dgw_cluster)
  list(APPEND DGW_INSTALL_INCLUDE_ROOTS cluster)
endif()
install(TARGETS ${DGW_INSTALL_TARGETS}
  EXPORT dgwTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

# One include/dgw/ tree, as in the source's include roots. dgw/detail/ is installed because
# public headers include parts of it; it is not API and carries no stability promise.
list(TRANSFORM DGW_INSTALL_INCLUDE_ROOTS REPLACE "(.+)" "${PROJECT_SOURCE_DIR}/\\1/dgw" OUTPUT_VARIABLE _dgw_include_dirs)
install(DIRECTORY ${_dgw_include_dirs}
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.hpp"
  PATTERN "tables" EXCLUDE) # generated/dgw/tables/ holds sources only

# `cmake --install --strip` (and CPack, below) strips executables and shared libraries;
# CMake leaves static archives alone, whose symbol table is needed, so take only their
# debug info as Debian's dh_strip does for -dev packages (300 MB -> a few MB).
if(NOT BUILD_SHARED_LIBS AND CMAKE_STRIP)
  install(CODE "
    if(CMAKE_INSTALL_DO_STRIP)
      foreach(_dgw_lib ${DGW_INSTALL_TARGETS})
        if(_dgw_lib STREQUAL \"dgw\")
          continue()
        endif()
        execute_process(COMMAND \"${CMAKE_STRIP}\" --strip-debug
          \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/lib\${_dgw_lib}.a\")
      endforeach()
    endif()")
endif()

if(TARGET dgw_tool)
  # A shared build's tool finds our libraries next to it in any prefix (a temp dir, dpkg -x).
  file(RELATIVE_PATH _dgw_bin_to_lib
       ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR} ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR})
  set_target_properties(dgw_tool PROPERTIES INSTALL_RPATH "$ORIGIN/${_dgw_bin_to_lib}")
  install(TARGETS dgw_tool RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

install(EXPORT dgwTargets NAMESPACE dgw:: DESTINATION ${DGW_CMAKE_DIR} FILE dgwTargets.cmake)

if(TARGET dgw_cluster)
  set(DGW_HAVE_CLUSTER TRUE)
else()
  set(DGW_HAVE_CLUSTER FALSE)
endif()
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/dgwConfig.cmake.in
  ${PROJECT_BINARY_DIR}/dgwConfig.cmake
  INSTALL_DESTINATION ${DGW_CMAKE_DIR})
# While dgw is 0.x, a minor release may break the API (semver's rule for 0.y.z), so 0.2
# satisfies find_package(dgw 0.2) and 0.2.x requests, never 0.1 or 0.3; patch releases are
# compatible. At 1.0 this becomes SameMajorVersion.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/dgwConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES
    ${PROJECT_BINARY_DIR}/dgwConfig.cmake
    ${PROJECT_BINARY_DIR}/dgwConfigVersion.cmake
    ${PROJECT_SOURCE_DIR}/cmake/Finddgw_zstd.cmake
    ${PROJECT_SOURCE_DIR}/cmake/Finddgw_hiredis.cmake
  DESTINATION ${DGW_CMAKE_DIR})

# pkg-config: one file per library and dgw.pc for everything. Boost has no .pc on Debian,
# so its libraries are named directly. A static dgw needs its private dependencies on
# every link line, so they move from the .private fields to the public ones.
if(BUILD_SHARED_LIBS)
  set(DGW_PC_CODEC_REQUIRES "")
  set(DGW_PC_CODEC_REQUIRES_PRIVATE "zlib libzstd")
  set(DGW_PC_SHARD_REQUIRES "")
  set(DGW_PC_SHARD_REQUIRES_PRIVATE "openssl")
  set(DGW_PC_SHARD_LIBS "")
  set(DGW_PC_SHARD_LIBS_PRIVATE "-lboost_url -pthread")
  set(DGW_PC_CLIENT_LIBS "")
  set(DGW_PC_CLIENT_LIBS_PRIVATE "-lboost_url")
else()
  set(DGW_PC_CODEC_REQUIRES "zlib, libzstd")
  set(DGW_PC_CODEC_REQUIRES_PRIVATE "")
  set(DGW_PC_SHARD_REQUIRES ", openssl")
  set(DGW_PC_SHARD_REQUIRES_PRIVATE "")
  set(DGW_PC_SHARD_LIBS "-pthread")
  set(DGW_PC_SHARD_LIBS_PRIVATE "")
  set(DGW_PC_CLIENT_LIBS "-lboost_url")
  set(DGW_PC_CLIENT_LIBS_PRIVATE "")
endif()
set(DGW_PC_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
# Relative to the .pc file, so an extracted package (dpkg -x) works where it lands.
file(RELATIVE_PATH DGW_PC_TO_PREFIX ${CMAKE_INSTALL_PREFIX}/${DGW_PC_DIR} ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" DGW_PC_TO_PREFIX "${DGW_PC_TO_PREFIX}")
set(_dgw_pcs dgw dgw-codec dgw-client dgw-shard)
if(TARGET dgw_cluster)
  list(APPEND _dgw_pcs dgw-cluster)
  # hiredis has a .pc on Debian; a static dgw_cluster needs it on the link line.
  if(BUILD_SHARED_LIBS)
    set(DGW_PC_CLUSTER_REQUIRES "")
    set(DGW_PC_CLUSTER_REQUIRES_PRIVATE "hiredis")
  else()
    set(DGW_PC_CLUSTER_REQUIRES ", hiredis")
    set(DGW_PC_CLUSTER_REQUIRES_PRIVATE "")
  endif()
endif()
foreach(pc ${_dgw_pcs})
  configure_file(${PROJECT_SOURCE_DIR}/cmake/${pc}.pc.in ${PROJECT_BINARY_DIR}/pkgconfig/${pc}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/pkgconfig/${pc}.pc DESTINATION ${DGW_PC_DIR})
endforeach()

# cpack -G DEB: one -dev style package (static libraries by default, so no runtime split).
# Only for our own build: CPack is one per build tree, and a parent project owns its own.
if(NOT PROJECT_IS_TOP_LEVEL)
  return()
endif()
set(CPACK_PACKAGE_NAME libdgw-dev)
set(CPACK_PACKAGE_VENDOR "dgw")
# Debian's Maintainer field wants "Name <address>". The project has no mail address of its
# own yet, so the default is a reserved, undeliverable one (RFC 2606); whoever publishes a
# package sets theirs: -DDGW_PACKAGE_CONTACT="Jane Doe <jane@example.org>".
set(DGW_PACKAGE_CONTACT "dgw maintainers <maintainers@dgw.invalid>" CACHE STRING
    "Maintainer of the .deb built by cpack (Name <address>)")
set(CPACK_PACKAGE_CONTACT "${DGW_PACKAGE_CONTACT}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_RESOURCE_FILE_README ${PROJECT_SOURCE_DIR}/README.md)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
# What a consumer's find_package(dgw) and pkg-config need: the -dev packages of everything
# dgwConfig.cmake looks for (they pull in the runtime libraries the dgw tool needs).
set(CPACK_DEBIAN_PACKAGE_DEPENDS
  "libboost1.81-dev, libboost-json1.81-dev, libboost-url1.81-dev, zlib1g-dev, libzstd-dev, libssl-dev, libstdc++6")
if(TARGET dgw_cluster)
  string(APPEND CPACK_DEBIAN_PACKAGE_DEPENDS ", libhiredis-dev")
endif()
include(CPack)
