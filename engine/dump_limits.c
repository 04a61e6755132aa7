/* dump_limits.c: nesting limits of CPython's tokenizer and parser that
 * tree-sitter does not have:
 * - more than 200 nested brackets: SyntaxError "too many nested
 *   parentheses" (3.9+); Python 3.8's LL(1) parser already overflows its
 *   stack (MemoryError, so testmon crashes) near 90, so 3.8 is inexact
 *   past 60;
 * - 100 levels of indentation: IndentationError "too many levels".
 * A cheap scan of the text bounds both; only a file that comes near a limit
 * is walked (its tree), which is rare. */
#include "dump_common.h"
#include "dump_symbols.h"

#define BRACKETS_MAX 200
#define BRACKETS_MAX_38 60
#define INDENT_LEVELS_MAX 100

/* Skips a string literal starting at the quote text[i]; returns the index
 * after it (or len). Escapes skip a character, as in CPython's tokenizer. */
size_t dump_skip_string(const char *text, size_t len, size_t i)
{
    char q = text[i];
    int triple = i + 2 < len && text[i + 1] == q && text[i + 2] == q;
    i += triple ? 3 : 1;
    while (i < len) {
        char c = text[i];
        if (c == '\\') {
            i += 2;
        } else if (c == q && (!triple || (i + 2 < len && text[i + 1] == q && text[i + 2] == q))) {
            return i + (triple ? 3 : 1);
        } else if (c == '\n' && !triple) {
            return i; /* unterminated: the parser decides */
        } else {
            i++;
        }
    }
    return len;
}

/* Bytes the scan stops at; everything else is skipped in a tight loop. */
static const unsigned char stops[256] = {
    ['\n'] = 1, ['#'] = 1, ['\''] = 1, ['"'] = 1, ['('] = 1, ['['] = 1,
    ['{'] = 1, [')'] = 1, [']'] = 1, ['}'] = 1,
};

void dump_scan_text(const char *text, size_t len, dump_scan *out)
{
    unsigned depth = 0;
    int line_start = 1;
    out->brackets = out->col = 0;
    out->bare_backslash = out->tab_mid_stop = 0;
    for (size_t i = 0; i < len;) {
        if (!line_start)
            while (i < len && !stops[(unsigned char)text[i]])
                i++;
        if (i >= len)
            break;
        char c = text[i];
        if (line_start) {
            line_start = 0;
            if (depth == 0) {
                unsigned col = 0;
                while (i < len && (text[i] == ' ' || text[i] == '\t')) {
                    out->tab_mid_stop |= text[i] == '\t' && col % 8;
                    col = text[i] == '\t' ? (col / 8 + 1) * 8 : col + 1;
                    i++;
                }
                if (i < len && text[i] != '\n' && text[i] != '#' && col > out->col)
                    out->col = col;
                size_t j = i;
                while (j < len && (text[j] == ' ' || text[j] == '\t' || text[j] == '\f'))
                    j++;
                if (j + 1 < len && text[j] == '\\' && text[j + 1] == '\n')
                    out->bare_backslash = 1;
                continue;
            }
        }
        if (c == '#') {
            while (i < len && text[i] != '\n')
                i++;
        } else if (c == '\'' || c == '"') {
            i = dump_skip_string(text, len, i);
        } else {
            if (c == '(' || c == '[' || c == '{') {
                if (++depth > out->brackets)
                    out->brackets = depth;
            } else if ((c == ')' || c == ']' || c == '}') && depth > 0) {
                depth--;
            } else if (c == '\n') {
                line_start = !(i > 0 && text[i - 1] == '\\');
            }
            i++;
        }
    }
}

/* The tree's real figures: bracket tokens outside strings, and blocks that
 * open a new indentation level (their first statement starts a line). */
static void walk_tree(const dumper *d, TSNode root, unsigned *brackets, unsigned *levels)
{
    const dump_symbols *s = d->sym;
    uint32_t level_at[INDENT_LEVELS_MAX + 1]; /* cursor depth of each open level */
    unsigned nlevels = 0, depth = 0;
    uint32_t cdepth = 0;
    *brackets = *levels = 0;
    TSTreeCursor c = ts_tree_cursor_new(root);
    for (;;) {
        TSNode n = ts_tree_cursor_current_node(&c);
        TSSymbol t = ts_node_symbol(n);
        int descend = t != s->S_string;
        if (t == s->S_block && ts_node_named_child_count(n) > 0 && nlevels <= INDENT_LEVELS_MAX) {
            uint32_t at = ts_node_start_byte(dump_first_named(n));
            while (at > 0 && (d->src[at - 1] == ' ' || d->src[at - 1] == '\t'))
                at--;
            if (at == 0 || d->src[at - 1] == '\n') {
                level_at[nlevels++] = cdepth;
                if (nlevels > *levels)
                    *levels = nlevels;
            }
        } else if (ts_node_child_count(n) == 0 && !ts_node_is_missing(n)) {
            if (t == s->A_lparen || t == s->A_lbracket || t == s->A_lbrace) {
                if (++depth > *brackets)
                    *brackets = depth;
            } else if ((t == s->A_rparen || t == s->A_rbracket || t == s->A_rbrace) && depth > 0) {
                depth--;
            }
        }
        if (descend && ts_tree_cursor_goto_first_child(&c)) {
            cdepth++;
            continue;
        }
        int moved = 0;
        while (!(moved = ts_tree_cursor_goto_next_sibling(&c))) {
            if (!ts_tree_cursor_goto_parent(&c))
                break;
            cdepth--;
            while (nlevels > 0 && level_at[nlevels - 1] >= cdepth)
                nlevels--; /* left that block */
        }
        if (!moved)
            break;
        while (nlevels > 0 && level_at[nlevels - 1] >= cdepth)
            nlevels--; /* moved past that block to a sibling */
    }
    ts_tree_cursor_delete(&c);
}

void dump_check_limits(dumper *d, TSNode root, const dump_scan *scan)
{
    /* 3.8 reads such a line as the start of a statement: when only blanks
     * and comments follow, an empty one, a SyntaxError inside a block (3.9
     * on skip the line as blank; a statement after it is dump_indent.c's) */
    if (scan->bare_backslash && d->dialect->minor == 8)
        dump_inexact(d, root, "a line of only a backslash continuation (Python 3.8 may read an "
                              "empty statement there)");
    unsigned bracket_limit = d->dialect->minor < 9 ? BRACKETS_MAX_38 : BRACKETS_MAX;
    if (scan->brackets <= bracket_limit && scan->col < INDENT_LEVELS_MAX)
        return;
    unsigned brackets, levels;
    walk_tree(d, root, &brackets, &levels);
    if (levels >= INDENT_LEVELS_MAX)
        dump_reject(d, root, "too many levels of indentation");
    else if (brackets > bracket_limit && d->dialect->minor < 9)
        dump_inexact(d, root, "deep bracket nesting overflows Python 3.8's parser (MemoryError)");
    else if (brackets > bracket_limit)
        dump_reject(d, root, "too many nested parentheses");
}
