/* parse_guard.h: inputs tree-sitter itself cannot survive (internal). */
#ifndef TMD_PARSE_GUARD_H
#define TMD_PARSE_GUARD_H

#include <stddef.h>
#include <tree_sitter/api.h>

/* Non-zero when the text holds so many unclosed brackets, counted over every
 * byte (string contents too: an unterminated string's brackets reach the
 * parser's error recovery), that tree-sitter 0.20.7 could free memory twice
 * while deleting the tree (seen at 65536). Such a text must not be parsed. */
int parse_guard_too_deep(const char *text, size_t len);

/* Parses text with a fresh parser (tree-sitter-python 0.23.6's scanner keeps
 * state across parses of one parser). NULL when the text is refused by
 * parse_guard_too_deep, too large, or memory runs out. The caller deletes
 * the tree. */
TSTree *parse_guard_parse(const char *text, size_t len);

#endif
