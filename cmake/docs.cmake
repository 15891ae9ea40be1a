# API reference: `cmake --build <build> --target docs` runs Doxygen over the public headers
# and writes HTML to <build>/docs/html. Warnings are errors (an undocumented public class,
# function, member or enumerator fails the build), so CI keeps the reference complete.
# Included from the end of the top-level CMakeLists.txt; the target exists only when
# Doxygen is installed (Debian: doxygen, see scripts/install-deps.sh).

find_package(Doxygen 1.9 QUIET)
if(NOT DOXYGEN_FOUND)
  message(STATUS "dgw: Doxygen not found, no `docs` target")
  return()
endif()

set(DOXYGEN_PROJECT_NAME "dgw")
set(DOXYGEN_PROJECT_NUMBER "${PROJECT_VERSION}")
set(DOXYGEN_PROJECT_BRIEF "Discord gateway library for C++20")
set(DOXYGEN_OUTPUT_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}/docs")
set(DOXYGEN_GENERATE_HTML YES)
set(DOXYGEN_GENERATE_LATEX NO)
set(DOXYGEN_FILE_PATTERNS "*.hpp")
set(DOXYGEN_RECURSIVE YES)
# Every include reads <dgw/...>: strip the include roots from the shown paths.
set(DOXYGEN_FULL_PATH_NAMES YES)
set(DOXYGEN_STRIP_FROM_PATH
    "${CMAKE_CURRENT_SOURCE_DIR}/generated"
    "${CMAKE_CURRENT_SOURCE_DIR}/encoding"
    "${CMAKE_CURRENT_SOURCE_DIR}/client"
    "${CMAKE_CURRENT_SOURCE_DIR}/shard"
    "${CMAKE_CURRENT_SOURCE_DIR}/cluster")
set(DOXYGEN_STRIP_FROM_INC_PATH ${DOXYGEN_STRIP_FROM_PATH})
set(DOXYGEN_JAVADOC_AUTOBRIEF YES)
set(DOXYGEN_EXTRACT_ALL NO)
set(DOXYGEN_EXTRACT_PRIVATE NO)
set(DOXYGEN_EXTRACT_STATIC YES)
set(DOXYGEN_HIDE_UNDOC_RELATIONS YES)
set(DOXYGEN_SORT_MEMBER_DOCS NO)
set(DOXYGEN_QUIET YES)
set(DOXYGEN_WARNINGS YES)
set(DOXYGEN_WARN_IF_UNDOCUMENTED YES)
set(DOXYGEN_WARN_IF_DOC_ERROR YES)
# One summary line per item is the house style; parameters are named
# in that line rather than in a @param list for each one.
set(DOXYGEN_WARN_NO_PARAMDOC NO)
set(DOXYGEN_WARN_IF_INCOMPLETE_DOC NO)
set(DOXYGEN_WARN_AS_ERROR FAIL_ON_WARNINGS)
set(DOXYGEN_WARN_FORMAT "$file:$line: $text")
set(DOXYGEN_ENABLE_PREPROCESSING YES)
# What is not API lives under dgw/detail/ (the public_headers test keeps it that way).
set(DOXYGEN_EXCLUDE_PATTERNS "*/detail/*")
# ... and in namespaces named detail, wherever the header sits (etf/skip.hpp's helpers).
set(DOXYGEN_EXCLUDE_SYMBOLS "detail" "*::detail")

doxygen_add_docs(docs
    "${CMAKE_CURRENT_SOURCE_DIR}/generated/dgw"
    "${CMAKE_CURRENT_SOURCE_DIR}/encoding/dgw"
    "${CMAKE_CURRENT_SOURCE_DIR}/client/dgw"
    "${CMAKE_CURRENT_SOURCE_DIR}/shard/dgw"
    "${CMAKE_CURRENT_SOURCE_DIR}/cluster/dgw"
    WORKING_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}"
    COMMENT "Doxygen: API reference in ${CMAKE_CURRENT_BINARY_DIR}/docs/html")
