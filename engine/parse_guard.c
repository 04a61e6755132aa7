/* parse_guard.c: refuses texts that crash tree-sitter (see parse_guard.h). */
#include "parse_guard.h"
#include "dump_symbols.h"

#include <stdint.h>

/* Far above anything CPython accepts (200 nested brackets) or real code
 * holds in strings, far below the depth that crashes tree-sitter. */
#define RAW_BRACKET_DEPTH_MAX 30000

int parse_guard_too_deep(const char *text, size_t len)
{
    size_t depth = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == '(' || c == '[' || c == '{') {
            if (++depth > RAW_BRACKET_DEPTH_MAX)
                return 1;
        } else if ((c == ')' || c == ']' || c == '}') && depth > 0) {
            depth--;
        }
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
