/* python_language.h: the Python grammar as tmdiff's parsers load it. */
#ifndef TMD_PYTHON_LANGUAGE_H
#define TMD_PYTHON_LANGUAGE_H

#include <tree_sitter/api.h>

/* tree-sitter-python with one dense parse table (python_language.c): the
 * same parses, found faster. Built on first call (thread-safe); the plain
 * grammar when memory is short. Lives as long as the process. */
const TSLanguage *tmd_python_language(void);

#endif
