/* dump_text.c: what CPython's tokenizer refuses in the text between tokens,
 * where tree-sitter sees only whitespace:
 * - a backslash continuation running into the end of the file ("unexpected
 *   EOF while parsing");
 * - \v and the Unicode spaces tree-sitter skips as whitespace (U+00A0,
 *   U+2000..U+200B, U+3000, U+FEFF...): "invalid non-printable character".
 * Candidates are found with a byte search; each is confirmed against the
 * tree (inside a string or comment it is fine). */
#include "dump_common.h"
#include "dump_symbols.h"

#include <string.h>

/* Length of a space-like character at s (0 if none). */
static size_t space_like(const unsigned char *s, size_t avail)
{
    if (s[0] == 0x0b)
        return 1;
    if (avail >= 2 && s[0] == 0xc2 && (s[1] == 0x85 || s[1] == 0xa0))
        return 2;
    if (avail < 3)
        return 0;
    if (s[0] == 0xe1 && s[1] == 0x9a && s[2] == 0x80) /* U+1680 */
        return 3;
    if (s[0] == 0xe2 && s[1] == 0x80 && (s[2] <= 0x8b || s[2] == 0xa8 || s[2] == 0xa9 || s[2] == 0xaf))
        return 3; /* U+2000..U+200B, U+2028, U+2029, U+202F */
    if (s[0] == 0xe2 && s[1] == 0x81 && (s[2] == 0x9f || s[2] == 0xa0))
        return 3; /* U+205F, U+2060 */
    if (s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80) /* U+3000 */
        return 3;
    if (s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf) /* U+FEFF */
        return 3;
    return 0;
}

/* Byte `at` lies in a string or a comment of the tree: not in the
 * expression of an f-string's replacement field, which is code (its format
 * spec is text again, save the fields nested in it). */
static int in_literal(const dumper *d, TSNode root, uint32_t at)
{
    TSNode n = ts_node_descendant_for_byte_range(root, at, at + 1);
    for (int up = 0; !ts_node_is_null(n) && up < 64; up++, n = ts_node_parent(n)) {
        TSSymbol t = ts_node_symbol(n);
        if (t == d->sym->S_string || t == d->sym->S_comment || t == d->sym->S_string_content ||
            t == d->sym->S_format_specifier)
            return 1;
        if (t == d->sym->S_module || t == d->sym->S_block || t == d->sym->S_interpolation ||
            t == d->sym->S_format_expression)
            return 0;
    }
    return 0;
}

void dump_check_text(dumper *d, TSNode root, size_t len)
{
    const unsigned char *s = (const unsigned char *)d->src;
    /* the file's last line is a continuation */
    if (len >= 2 && s[len - 1] == '\n' && s[len - 2] == '\\' && !in_literal(d, root, (uint32_t)(len - 2))) {
        dump_reject(d, root, "unexpected EOF after a line continuation");
        return;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] != 0x0b && s[i] < 0xc2)
            continue;
        size_t n = space_like(s + i, len - i);
        if (n && !in_literal(d, root, (uint32_t)i)) {
            dump_reject(d, root, "invalid non-printable character outside strings");
            return;
        }
        if (n)
            i += n - 1;
    }
}
