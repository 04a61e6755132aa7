/* python_language.c: tree-sitter-python with every parse state in one dense
 * table.
 *
 * The generated parser keeps its first LARGE_STATE_COUNT states (190 of
 * 2809) as rows of a dense [state][symbol] table and the rest as "small"
 * states: lists of symbol groups that tree-sitter's core searches linearly
 * on every lookup (language.h: ts_language_lookup), several per token. The
 * build expands every small state into a dense row (dense_table_gen.c; 2809
 * x 273 x 2 bytes, 1.5 MB of read-only data), so each lookup is one load,
 * with the same value: the core reads small_parse_table only for states at
 * or past large_state_count, and only tree-sitter's query code, which
 * tmdiff does not use, iterates rows. */
#include <tree_sitter/parser.h> /* first: it defines TSStateId only before api.h */

#include "python_language.h"

#include <pthread.h>

const TSLanguage *tree_sitter_python(void);

/* python_dense_table.c, generated */
extern const uint32_t tmd_python_dense_states, tmd_python_dense_symbols;
extern const uint16_t tmd_python_dense_table[];

static TSLanguage dense;
static const TSLanguage *chosen;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void choose(void)
{
    const TSLanguage *lang = tree_sitter_python();
    chosen = lang;
    if (lang->state_count != tmd_python_dense_states || lang->symbol_count != tmd_python_dense_symbols)
        return; /* a table made from another grammar: keep the plain one */
    dense = *lang;
    dense.parse_table = tmd_python_dense_table;
    dense.large_state_count = lang->state_count;
    chosen = &dense;
}

const TSLanguage *tmd_python_language(void)
{
    pthread_once(&once, choose);
    return chosen;
}
