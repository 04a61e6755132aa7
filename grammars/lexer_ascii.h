/* Forced into tree-sitter-python's objects (-include) before the grammar's
 * parser.h, whose set_contains it wraps: the lexer's test of whether a
 * character may start or continue an identifier. The generated test
 * binary-searches 668 or 776 Unicode ranges, about ten unpredictable branches
 * for every character of every name. ASCII characters, nearly all of real
 * code, fall in the first four ranges, so a scan from the front answers them
 * in one to four steps. The answer is the same: the ranges are sorted and
 * disjoint. */
#include "tree_sitter/parser.h"

static inline bool tmd_set_contains(TSCharacterRange *ranges, uint32_t len, int32_t lookahead)
{
    if (lookahead < 0x80) {
        for (uint32_t i = 0; i < len && ranges[i].start <= lookahead; i++)
            if (lookahead <= ranges[i].end)
                return true;
        return false;
    }
    return set_contains(ranges, len, lookahead);
}

/* parser.c's calls, after parser.h (included once) defined the original */
#define set_contains tmd_set_contains
