/* python_language.h: the Python grammar as tmdiff's parsers load it. */
#ifndef TMD_PYTHON_LANGUAGE_H
#define TMD_PYTHON_LANGUAGE_H

#include <tree_sitter/api.h>

/* tree-sitter-python with one dense parse table (python_language.c): the
 * same parses, found faster. Thread-safe; static, nothing to free. */
const TSLanguage *tmd_python_language(void);

#endif
