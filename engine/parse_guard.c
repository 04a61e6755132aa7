/* parse_guard.c: refuses texts that crash tree-sitter (see parse_guard.h). */
#include "parse_guard.h"

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
