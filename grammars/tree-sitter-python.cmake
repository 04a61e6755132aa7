# tree-sitter-python from the npm registry, pinned and integrity-checked.
# 0.23.6 is the newest release whose parser.c is ABI 14, the newest ABI that
# tree-sitter 0.20 loads (0.25.x is ABI 15 and will not load).
tmd_npm_package(tree-sitter-python 0.23.6
  c8833dcf4a31288c53edb02d3ce860a1597a8135e59a5221b9eee58854f8a013c5fe585aec76b8750052f3602fea130c459a159c5248f0cea62fe4b05a82c3dc
  src TSP_DIR)

add_library(tree_sitter_python STATIC ${TSP_DIR}/src/parser.c ${TSP_DIR}/src/scanner.c)
target_include_directories(tree_sitter_python PRIVATE ${TSP_DIR}/src)
# Generated code: our warning flags are not its business. lexer_ascii.h:
# the lexer's identifier test answers ASCII without a binary search.
target_compile_options(tree_sitter_python PRIVATE -w -O2
  -include ${CMAKE_CURRENT_LIST_DIR}/lexer_ascii.h)
# The scanner's arrays through tree-sitter's allocator (ts_set_allocator),
# not malloc: it frees and allocates one before every token, which the
# parse arena (engine/parse_arena.c) turns into a pointer bump.
set_source_files_properties(${TSP_DIR}/src/scanner.c PROPERTIES COMPILE_DEFINITIONS TREE_SITTER_REUSE_ALLOCATOR)
set_target_properties(tree_sitter_python PROPERTIES POSITION_INDEPENDENT_CODE ON)

# The grammar as tmdiff loads it: every parse state in one dense table
# (python_language.c), written at build time by dense_table_gen.c (built
# here with the compiler directly: the grammar's own objects may wait for
# the PGO profile, whose trainer needs this table).
set(TMDIFF_DENSE_TABLE ${CMAKE_BINARY_DIR}/grammars/python_dense_table.c)
add_custom_command(OUTPUT ${TMDIFF_DENSE_TABLE}
  COMMAND ${CMAKE_C_COMPILER} -O1 -w -I${TSP_DIR}/src ${CMAKE_CURRENT_LIST_DIR}/dense_table_gen.c
          ${TSP_DIR}/src/parser.c ${TSP_DIR}/src/scanner.c -o ${CMAKE_BINARY_DIR}/grammars/dense_table_gen
  COMMAND ${CMAKE_BINARY_DIR}/grammars/dense_table_gen ${TMDIFF_DENSE_TABLE}
  DEPENDS ${CMAKE_CURRENT_LIST_DIR}/dense_table_gen.c ${TSP_DIR}/src/parser.c ${TSP_DIR}/src/scanner.c
  COMMENT "Expanding tree-sitter-python's parse table"
  VERBATIM)
add_library(tmd_python_language STATIC ${CMAKE_CURRENT_LIST_DIR}/python_language.c ${TMDIFF_DENSE_TABLE})
target_include_directories(tmd_python_language PRIVATE ${TSP_DIR}/src PUBLIC ${CMAKE_CURRENT_LIST_DIR})
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/python_language.c PROPERTIES COMPILE_OPTIONS "${TMDIFF_WARNINGS}")
target_link_libraries(tmd_python_language PUBLIC tree_sitter_python $<TARGET_NAME_IF_EXISTS:tree_sitter_core>
                      Threads::Threads)
set_target_properties(tmd_python_language PROPERTIES POSITION_INDEPENDENT_CODE ON)
