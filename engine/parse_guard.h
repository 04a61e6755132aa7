/* parse_guard.h: inputs tree-sitter itself cannot survive (internal). */
#ifndef TMD_PARSE_GUARD_H
#define TMD_PARSE_GUARD_H

#include <stddef.h>

/* Non-zero when the text holds so many unclosed brackets, counted over every
 * byte (string contents too: an unterminated string's brackets reach the
 * parser's error recovery), that tree-sitter 0.20.7 could free memory twice
 * while deleting the tree (seen at 65536). Such a text must not be parsed. */
int parse_guard_too_deep(const char *text, size_t len);

#endif
