# tree-sitter's C core, built with the engine: the copy that the npm package
# `tree-sitter` (the Node binding, 0.20.6) vendors, pinned and
# integrity-checked like the grammar. Against Debian's libtree-sitter.a
# (0.20.7) a bare parse of CPython 3.11's standard library takes 16% less CPU
# built as one unit at -O2, 23% less with single-threaded reference counts
# (single_thread_refcount.h), more with LTO and PGO (parse_pgo.cmake). Measurements:
# bench/README.md, "fingerprint". -DTMDIFF_SYSTEM_TREE_SITTER=ON links the
# system's library instead (pkg-config tree-sitter).
option(TMDIFF_SYSTEM_TREE_SITTER "Link the system's tree-sitter (pkg-config) instead of building the core from npm" OFF)

if(TMDIFF_SYSTEM_TREE_SITTER)
  # linked by engine/CMakeLists.txt with the other system libraries
  pkg_check_modules(TREESITTER IMPORTED_TARGET tree-sitter)
  if(NOT TREESITTER_FOUND)
    message(FATAL_ERROR "TMDIFF_SYSTEM_TREE_SITTER=ON: no tree-sitter found with pkg-config "
                        "(apt-get install libtree-sitter-dev, or leave the option OFF)")
  endif()
else()
  tmd_npm_package(tree-sitter 0.20.6
    1b126875a8d5a5f81bdd4444cf321bb40d61c919d3c556d6557adb0bab24e314cc1f9111301264f4724dab873c8ce25e51a20e98b73083eb7a99ecff3c3bc6aa
    vendor/tree-sitter/lib TS_DIR)
  set(TS_LIB ${TS_DIR}/vendor/tree-sitter/lib)
  add_library(tree_sitter_core STATIC ${TS_LIB}/src/lib.c)
  target_include_directories(tree_sitter_core SYSTEM PUBLIC ${TS_LIB}/include)
  target_include_directories(tree_sitter_core PRIVATE ${TS_LIB}/src)
  target_compile_options(tree_sitter_core PRIVATE -w -O2
    -include ${CMAKE_CURRENT_LIST_DIR}/single_thread_refcount.h)
  set_target_properties(tree_sitter_core PROPERTIES POSITION_INDEPENDENT_CODE ON)
endif()
