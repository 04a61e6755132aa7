/* parse_guard.c: refuses texts that crash tree-sitter (see parse_guard.h). */
#include "parse_guard.h"
#include "dump_symbols.h"

#include <stdint.h>

/* Far above anything CPython accepts (200 nested brackets) or real code
 * holds in strings, far below the depth that crashes tree-sitter. */
#define RAW_BRACKET_DEPTH_MAX 30000

/* +1 for an opening bracket, -1 for a closing one. */
static const signed char BRACKET_STEP[256] = {['('] = 1, ['['] = 1, ['{'] = 1,
                                              [')'] = -1, [']'] = -1, ['}'] = -1};

int parse_guard_too_deep(const char *text, size_t len)
{
    if (len <= RAW_BRACKET_DEPTH_MAX)
        return 0; /* each bracket is a byte: most files end the question here */
    /* branch-free over each chunk (this runs over every byte of every
     * large fingerprinted file): a closing bracket at depth 0 keeps it at 0 */
    long depth = 0, deepest = 0;
    for (size_t i = 0; i < len;) {
        size_t end = len - i > 4096 ? i + 4096 : len;
        for (; i < end; i++) {
            depth += BRACKET_STEP[(unsigned char)text[i]];
            depth = depth < 0 ? 0 : depth;
            deepest = depth > deepest ? depth : deepest;
        }
        if (deepest > RAW_BRACKET_DEPTH_MAX)
            return 1;
    }
    return 0;
}

TSTree *parse_guard_parse(const char *text, size_t len)
{
    if (len > UINT32_MAX || parse_guard_too_deep(text, len))
        return NULL;
    TSParser *parser = ts_parser_new();
    if (!parser)
        return NULL;
    TSTree *tree = NULL;
    if (ts_parser_set_language(parser, dump_language()))
        tree = ts_parser_parse_string(parser, NULL, text, (uint32_t)len);
    ts_parser_delete(parser);
    return tree;
}
