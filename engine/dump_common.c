/* dump_common.c: the dumper's verdicts (reject, inexact) and its blocks. */
#include "dump_common.h"
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
    verdict(d, at, TMD_FP_NO_PARSE, why);
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
    static const char *const keywords[] = {
        "False", "None", "True", "and", "as", "assert", "async", "await", "break",
        "class", "continue", "def", "del", "elif", "else", "except", "finally", "for",
        "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or",
        "pass", "raise", "return", "try", "while", "with", "yield"};
    if (len < 2 || len > 8)
        return 0;
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (strlen(keywords[i]) == len && !memcmp(keywords[i], s, len))
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
    int rc = lit_identifier(out, s, len, d->dialect, why);
    if (rc == LIT_SYNTAX)
        dump_reject(d, ident, why[0] ? why : "invalid identifier");
    else if (rc != LIT_OK)
        dump_inexact(d, ident, why[0] ? why : "identifier");
    tmd_buf_putc(out, '\'');
}

/* 'a.b.c' of a dotted_name, rebuilt from its identifiers (spaces and line
 * continuations may sit between them). */
void dump_dotted_repr(dumper *d, TSNode dotted, tmd_buf *out)
{
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
        int rc = lit_identifier(out, s, len, d->dialect, why);
        if (rc == LIT_SYNTAX)
            dump_reject(d, c, why[0] ? why : "invalid identifier");
        else if (rc != LIT_OK)
            dump_inexact(d, c, why[0] ? why : "identifier");
    }
    tmd_buf_putc(out, '\'');
}

void dump_put_sep(tmd_buf *out, int *first)
{
    if (!*first)
        tmd_buf_puts(out, ", ");
    *first = 0;
}

