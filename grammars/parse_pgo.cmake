# Profile-guided optimisation of the parse (gcc): tree-sitter's core and the
# Python grammar are first compiled instrumented into parse_trainer.c, which
# parses a corpus of Python files during the build; the objects tmdiff links
# are then compiled with that profile. A bare parse of CPython 3.11's
# standard library takes ~18% less CPU, trained on Debian's python3 packages
# and this repository's Python, not on the standard libraries the benchmarks
# measure. Optimised gcc builds with the core from npm only; the profile
# changes speed, never results (the differential tests run on such builds).
option(TMDIFF_PGO "Profile-guided optimisation of tree-sitter's parse (gcc)" ON)
set(TMDIFF_PGO_CORPUS "/usr/lib/python3/dist-packages;${CMAKE_SOURCE_DIR}/tests;${CMAKE_SOURCE_DIR}/bench;${CMAKE_SOURCE_DIR}/examples"
    CACHE STRING "folders whose .py files train the parse (TMDIFF_PGO)")

set(TMDIFF_PGO_ACTIVE OFF)
if(TMDIFF_PGO AND CMAKE_C_COMPILER_ID STREQUAL "GNU" AND NOT TMDIFF_SYSTEM_TREE_SITTER
   AND NOT TMDIFF_SANITIZE AND NOT TMDIFF_TSAN AND NOT TMDIFF_FUZZ
   AND NOT CMAKE_BUILD_TYPE STREQUAL "Debug")
  set(corpus)
  foreach(dir ${TMDIFF_PGO_CORPUS})
    file(GLOB_RECURSE found ${dir}/*.py)
    list(APPEND corpus ${found})
  endforeach()
  list(SORT corpus)
  list(LENGTH corpus ncorpus)
  if(ncorpus GREATER 3000) # a few seconds of training; more teaches little
    list(SUBLIST corpus 0 3000 corpus)
    set(ncorpus 3000)
  endif()
  if(ncorpus LESS 200)
    message(STATUS "PGO: off, only ${ncorpus} Python files in TMDIFF_PGO_CORPUS (install python3-pytest, or name other folders)")
  else()
    set(TMDIFF_PGO_ACTIVE ON)
  endif()
endif()

if(TMDIFF_PGO_ACTIVE)
  message(STATUS "PGO: the parse trained on ${ncorpus} Python files")
  set(pgo ${CMAKE_BINARY_DIR}/grammars/pgo)
  file(MAKE_DIRECTORY ${pgo})
  string(REPLACE ";" "\n" listed "${corpus}")
  file(CONFIGURE OUTPUT ${pgo}/corpus.txt CONTENT "${listed}\n" @ONLY) # rewritten only when changed

  # the library's own flags (-DNDEBUG drops asserts: a different control
  # flow, whose profile gcc would refuse as a coverage mismatch)
  string(TOUPPER "${CMAKE_BUILD_TYPE}" build_type)
  separate_arguments(base_flags UNIX_COMMAND "${CMAKE_C_FLAGS} ${CMAKE_C_FLAGS_${build_type}}")
  set(commands)
  set(objects)
  set(sources)
  # the trainer's own profiles, unused
  set(profiles ${pgo}/parse_trainer-parse_trainer.gcda ${pgo}/parse_trainer-python_language.gcda)
  # tmd_pgo_unit(NAME SOURCE FLAGS...): SOURCE compiled instrumented (its
  # profile lands in pgo/NAME.gcda), and the library's object of SOURCE
  # compiled with that profile
  macro(tmd_pgo_unit name src)
    list(APPEND commands COMMAND ${CMAKE_C_COMPILER} ${base_flags} -std=gnu11 -w -O2 -fPIC
                                 -fprofile-generate ${ARGN} -c ${src} -o ${pgo}/${name}.o)
    list(APPEND objects ${pgo}/${name}.o)
    list(APPEND sources ${src})
    list(APPEND profiles ${pgo}/${name}.gcda)
    set_source_files_properties(${src} PROPERTIES
      COMPILE_OPTIONS "-fprofile-use;-fprofile-partial-training;-Wno-error=coverage-mismatch;-dumpdir;${pgo}/;-dumpbase;${name}"
      OBJECT_DEPENDS ${pgo}/profile.stamp)
  endmacro()
  tmd_pgo_unit(core ${TS_LIB}/src/lib.c -I${TS_LIB}/src -I${TS_LIB}/include
               -include ${CMAKE_CURRENT_LIST_DIR}/single_thread_refcount.h)
  tmd_pgo_unit(parser ${TSP_DIR}/src/parser.c -I${TSP_DIR}/src
               -include ${CMAKE_CURRENT_LIST_DIR}/lexer_ascii.h)
  tmd_pgo_unit(scanner ${TSP_DIR}/src/scanner.c -I${TSP_DIR}/src -DTREE_SITTER_REUSE_ALLOCATOR
               -include ${CMAKE_CURRENT_LIST_DIR}/lexer_ascii.h)
  add_custom_command(OUTPUT ${pgo}/profile.stamp
    COMMAND ${CMAKE_COMMAND} -E rm -f ${profiles}
    ${commands}
    COMMAND ${CMAKE_C_COMPILER} -O2 -Wall -Wextra -Werror -fprofile-generate -I${TS_LIB}/include
            -I${TSP_DIR}/src -I${CMAKE_CURRENT_LIST_DIR} ${CMAKE_CURRENT_LIST_DIR}/parse_trainer.c
            ${CMAKE_CURRENT_LIST_DIR}/python_language.c ${TMDIFF_DENSE_TABLE} ${objects} -pthread
            -o ${pgo}/parse_trainer
    COMMAND ${pgo}/parse_trainer ${pgo}/corpus.txt
    COMMAND ${CMAKE_COMMAND} -E touch ${pgo}/profile.stamp
    DEPENDS ${sources} ${CMAKE_CURRENT_LIST_DIR}/parse_trainer.c ${CMAKE_CURRENT_LIST_DIR}/python_language.c
            ${TMDIFF_DENSE_TABLE}
            ${CMAKE_CURRENT_LIST_DIR}/single_thread_refcount.h ${CMAKE_CURRENT_LIST_DIR}/lexer_ascii.h
            ${pgo}/corpus.txt
    WORKING_DIRECTORY ${pgo}
    COMMENT "PGO: training tree-sitter's parse on ${ncorpus} Python files"
    VERBATIM)
endif()
