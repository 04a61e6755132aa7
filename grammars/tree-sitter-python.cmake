# tree-sitter-python from the npm registry, pinned and integrity-checked.
# 0.23.6 is the newest release whose parser.c is ABI 14, the newest ABI that
# Debian's libtree-sitter 0.20.7 loads (0.25.x is ABI 15 and will not load).
# `npm pack` downloads the tarball without running any install script.
set(TSP_VERSION 0.23.6)
set(TSP_SHA512 c8833dcf4a31288c53edb02d3ce860a1597a8135e59a5221b9eee58854f8a013c5fe585aec76b8750052f3602fea130c459a159c5248f0cea62fe4b05a82c3dc)
set(TSP_DIR ${CMAKE_BINARY_DIR}/grammars/tree-sitter-python-${TSP_VERSION})
set(TSP_TGZ ${CMAKE_BINARY_DIR}/grammars/tree-sitter-python-${TSP_VERSION}.tgz)
# A machine without the registry can point TMDIFF_TSP_TARBALL at the tarball.
set(TMDIFF_TSP_TARBALL "" CACHE FILEPATH "tree-sitter-python ${TSP_VERSION} .tgz (default: npm pack)")

if(NOT EXISTS ${TSP_DIR}/src/parser.c)
  file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/grammars)
  if(TMDIFF_TSP_TARBALL)
    file(COPY_FILE ${TMDIFF_TSP_TARBALL} ${TSP_TGZ})
  elseif(NOT EXISTS ${TSP_TGZ})
    find_program(NPM npm REQUIRED)
    execute_process(COMMAND ${NPM} pack --silent tree-sitter-python@${TSP_VERSION}
                    WORKING_DIRECTORY ${CMAKE_BINARY_DIR}/grammars
                    RESULT_VARIABLE npm_rc OUTPUT_QUIET)
    if(NOT npm_rc EQUAL 0)
      message(FATAL_ERROR "npm pack tree-sitter-python@${TSP_VERSION} failed (is the npm registry reachable? or set TMDIFF_TSP_TARBALL)")
    endif()
  endif()
  file(SHA512 ${TSP_TGZ} got)
  if(NOT got STREQUAL TSP_SHA512)
    file(REMOVE ${TSP_TGZ})
    message(FATAL_ERROR "tree-sitter-python-${TSP_VERSION}.tgz: SHA-512 mismatch (got ${got})")
  endif()
  file(ARCHIVE_EXTRACT INPUT ${TSP_TGZ} DESTINATION ${TSP_DIR}.tmp PATTERNS package/src)
  file(RENAME ${TSP_DIR}.tmp/package ${TSP_DIR})
  file(REMOVE_RECURSE ${TSP_DIR}.tmp)
endif()

add_library(tree_sitter_python STATIC ${TSP_DIR}/src/parser.c ${TSP_DIR}/src/scanner.c)
target_include_directories(tree_sitter_python PRIVATE ${TSP_DIR}/src)
# Generated code: our warning flags are not its business.
target_compile_options(tree_sitter_python PRIVATE -w -O2)
set_target_properties(tree_sitter_python PROPERTIES POSITION_INDEPENDENT_CODE ON)
