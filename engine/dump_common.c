/* dump_common.c: the dumper's verdicts (reject, inexact) and its blocks. */
#include "dump_common.h"
#include "dump_expr.h"
#include "dump_symbols.h"
#include "pyliteral.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The first verdict is kept (later ones are usually its echoes), except
 * that a certain reject replaces an earlier "cannot tell": CPython refusing
 * the file is the exact answer then. */
static void verdict(dumper *d, TSNode at, tmd_fp_status status, const char *why)
{
    if (d->status == TMD_FP_INEXACT && status == TMD_FP_NO_PARSE && strcmp(d->reason, DUMP_OOM_REASON))
        d->status = TMD_FP_BLOCKS;
    if (d->status != TMD_FP_BLOCKS)
        return;
    d->status = status;
    if (ts_node_is_null(at)) {
        snprintf(d->reason, sizeof d->reason, "%s", why);
    } else {
        TSPoint p = ts_node_start_point(at);
        snprintf(d->reason, sizeof d->reason, "line %u: %s", p.row + 1, why);
    }
}

void dump_reject(dumper *d, TSNode at, const char *why)
{
    /* after a line of only a backslash, or a tab off a tab stop, tree-sitter
     * may group statements into blocks unlike CPython: an error it shows
     * there proves nothing */
    const char *unsure = d->bare_backslash ? "a line of only a backslash continuation"
                         : d->tab_mid_stop ? "a tab off a tab stop in an indentation"
                                           : NULL;
    if (!unsure) {
        verdict(d, at, TMD_FP_NO_PARSE, why);
        return;
    }
    char msg[sizeof d->reason];
    snprintf(msg, sizeof msg, "%s (in a file where tree-sitter reads %s unlike CPython)", why, unsure);
    verdict(d, at, TMD_FP_INEXACT, msg);
}

void dump_inexact(dumper *d, TSNode at, const char *why)
{
    verdict(d, at, TMD_FP_INEXACT, why);
}

void dump_record_block(dumper *d, const char *body, size_t len)
{
    if (d->nblocks == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        char **blocks = realloc(d->blocks, cap * sizeof *blocks);
        if (blocks)
            d->blocks = blocks;
        size_t *lens = blocks ? realloc(d->block_lens, cap * sizeof *lens) : NULL;
        if (lens)
            d->block_lens = lens;
        if (!blocks || !lens) {
            dump_inexact(d, (TSNode){0}, DUMP_OOM_REASON);
            return;
        }
        d->cap = cap;
    }
    char prefix[24];
    int plen = snprintf(prefix, sizeof prefix, "%zu:", d->nblocks);
    char *text = malloc((size_t)plen + len + 1);
    if (!text) {
        dump_inexact(d, (TSNode){0}, DUMP_OOM_REASON);
        return;
    }
    memcpy(text, prefix, (size_t)plen);
    if (len)
        memcpy(text + plen, body, len);
    text[plen + len] = '\0';
    d->blocks[d->nblocks] = text;
    d->block_lens[d->nblocks] = (size_t)plen + len;
    d->nblocks++;
}

void dump_free_blocks(dumper *d)
{
    for (size_t i = 0; i < d->nblocks; i++)
        free(d->blocks[i]);
    free(d->blocks);
    free(d->block_lens);
    d->blocks = NULL;
    d->block_lens = NULL;
    d->nblocks = d->cap = 0;
}

/* ---- names ---------------------------------------------------------------- */

int dump_text_is(const dumper *d, TSNode n, const char *s)
{
    size_t len, slen = strlen(s);
    const char *t = dump_text(d, n, &len);
    return len == slen && !memcmp(t, s, len);
}

void dump_binding_name_repr(dumper *d, TSNode ident, tmd_buf *out)
{
    /* 3.8's parser refuses to bind __debug__ (3.9+ leave it to the compiler) */
    if (d->dialect->minor < 9 && dump_text_is(d, ident, "__debug__"))
        dump_reject(d, ident, "cannot assign to __debug__");
    dump_name_repr(d, ident, out);
}

/* Python 3's hard keywords: tree-sitter sometimes leaves them as names
 * (`import x as None`, `def None():`, a bare `and`). */
int dump_is_keyword(const char *s, size_t len)
{
    /* by first letter: a name is checked against at most six words */
    static const char *const by_letter[26][7] = {
        ['a' - 'a'] = {"and", "as", "assert", "async", "await"},
        ['b' - 'a'] = {"break"},
        ['c' - 'a'] = {"class", "continue"},
        ['d' - 'a'] = {"def", "del"},
        ['e' - 'a'] = {"elif", "else", "except"},
        ['f' - 'a'] = {"finally", "for", "from"},
        ['g' - 'a'] = {"global"},
        ['i' - 'a'] = {"if", "import", "in", "is"},
        ['l' - 'a'] = {"lambda"},
        ['n' - 'a'] = {"nonlocal", "not"},
        ['o' - 'a'] = {"or"},
        ['p' - 'a'] = {"pass"},
        ['r' - 'a'] = {"raise", "return"},
        ['t' - 'a'] = {"try"},
        ['w' - 'a'] = {"while", "with"},
        ['y' - 'a'] = {"yield"},
    };
    if (len < 2 || len > 8)
        return 0;
    if (s[0] == 'F' || s[0] == 'N' || s[0] == 'T')
        return (len == 5 && !memcmp(s, "False", 5)) || (len == 4 && !memcmp(s, "None", 4)) ||
               (len == 4 && !memcmp(s, "True", 4));
    if (s[0] < 'a' || s[0] > 'z')
        return 0;
    for (const char *const *w = by_letter[s[0] - 'a']; *w; w++)
        if (strlen(*w) == len && !memcmp(*w, s, len))
            return 1;
    return 0;
}

void dump_name_repr(dumper *d, TSNode ident, tmd_buf *out)
{
    size_t len;
    const char *s = dump_text(d, ident, &len);
    char why[LIT_WHY_SIZE] = "";
    if (dump_is_keyword(s, len)) {
        dump_reject(d, ident, "a keyword cannot be a name");
        return;
    }
    tmd_buf_putc(out, '\'');
    int rc = lit_identifier_repr(out, s, len, d->dialect, 0, why);
    if (rc == LIT_SYNTAX)
        dump_reject(d, ident, why[0] ? why : "invalid identifier");
    else if (rc != LIT_OK)
        dump_inexact(d, ident, why[0] ? why : "identifier");
    tmd_buf_putc(out, '\'');
}

/* 'a.b.c' of a dotted_name, rebuilt from its identifiers (spaces and line
 * continuations may sit between them). 3.8's parser joins the names of a
 * dotted import as written, without the NFKC it gives every other name. */
void dump_dotted_repr(dumper *d, TSNode dotted, tmd_buf *out)
{
    int as_written = 0;
    if (d->dialect->minor == 8) {
        int names = 0;
        DUMP_EACH_CHILD(dotted, c)
            names += ts_node_symbol(c) == d->sym->S_identifier;
        as_written = names > 1;
    }
    tmd_buf_putc(out, '\'');
    int first = 1;
    DUMP_EACH_CHILD(dotted, c) {
        if (ts_node_symbol(c) != d->sym->S_identifier)
            continue;
        if (!first)
            tmd_buf_putc(out, '.');
        first = 0;
        size_t len;
        const char *s = dump_text(d, c, &len);
        char why[LIT_WHY_SIZE] = "";
        if (dump_is_keyword(s, len))
            dump_reject(d, c, "a keyword cannot be a name");
        int rc = lit_identifier_repr(out, s, len, d->dialect, as_written, why);
        if (rc == LIT_SYNTAX)
            dump_reject(d, c, why[0] ? why : "invalid identifier");
        else if (rc != LIT_OK)
            dump_inexact(d, c, why[0] ? why : "identifier");
    }
    tmd_buf_putc(out, '\'');
}

void dump_tuple_item(dumper *d, TSNode item, tmd_buf *out)
{
    if (ts_node_symbol(item) != d->sym->S_list_splat) {
        const char *at = d->src + ts_node_start_byte(item);
        if (at[0] == '*' && at[1] != '*') /* `*a.b`, `*a | b`: a star tree-sitter */
            dump_expr_in(d, item, CTX_LOAD, EX_STAR, out); /* bound to `a` only */
        else
            dump_expr(d, item, CTX_LOAD, out);
        return;
    }
    TSNode inner = dump_first_named(item);
    if (ts_node_is_null(inner)) {
        dump_inexact(d, item, "starred item without an expression");
        return;
    }
    tmd_buf_puts(out, "Starred(");
    dump_expr(d, inner, CTX_LOAD, out);
    tmd_buf_puts(out, ", Load())");
}

void dump_put_sep(tmd_buf *out, int *first)
{
    if (!*first)
        tmd_buf_puts(out, ", ");
    *first = 0;
}

