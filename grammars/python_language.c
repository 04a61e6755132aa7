/* python_language.c: tree-sitter-python with every parse state in one dense
 * table.
 *
 * The generated parser keeps its first LARGE_STATE_COUNT states (190 of
 * 2809) as rows of a dense [state][symbol] table and the rest as "small"
 * states: lists of symbol groups that tree-sitter's core searches linearly
 * on every lookup (language.h: ts_language_lookup), several per token.
 * Expanding every small state into a dense row (2809 x 273 x 2 bytes, 1.5
 * MB) makes each lookup one load, with the same value: the core reads
 * small_parse_table only for states at or past large_state_count, and only
 * tree-sitter's query code, which tmdiff does not use, iterates rows. */
#include <tree_sitter/parser.h> /* first: it defines TSStateId only before api.h */

#include "python_language.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

const TSLanguage *tree_sitter_python(void);

static TSLanguage dense;
static const TSLanguage *chosen;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void build_dense(void)
{
    const TSLanguage *lang = tree_sitter_python();
    size_t rows = lang->state_count, cols = lang->symbol_count;
    chosen = lang;
    uint16_t *table = calloc(rows * cols, sizeof *table);
    if (!table)
        return;
    memcpy(table, lang->parse_table, lang->large_state_count * cols * sizeof *table);
    for (size_t state = lang->large_state_count; state < rows; state++) {
        const uint16_t *data =
            &lang->small_parse_table[lang->small_parse_table_map[state - lang->large_state_count]];
        uint16_t *row = table + state * cols;
        unsigned groups = *data++;
        for (unsigned g = 0; g < groups; g++) {
            uint16_t value = *data++;
            unsigned symbols = *data++;
            for (unsigned i = 0; i < symbols; i++, data++)
                if (!row[*data]) /* the linear search returns the first group's value */
                    row[*data] = value;
        }
    }
    dense = *lang;
    dense.parse_table = table;
    dense.large_state_count = lang->state_count;
    chosen = &dense;
}

const TSLanguage *tmd_python_language(void)
{
    pthread_once(&once, build_dense);
    return chosen;
}
