/* dump_reparse.c: statements tree-sitter-python reads as `type X = ...`
 * although CPython sees an assignment: `type(self).x = 1` becomes a
 * type_alias_statement whose "name" is `(self).x`. The statement is parsed
 * again on its own with `type` renamed to a placeholder identifier, dumped,
 * and the placeholder's Name put back (rare: one parse per such statement). */
#define _GNU_SOURCE /* memmem */
#include "dump_common.h"
#include "dump_symbols.h"

#include <stdlib.h>
#include <string.h>

#define SHADOW "__tmdiff_type_shadow__"

/* Replaces every Name(SHADOW, Load()) in `in` by Name('type', Load()) into
 * `out`; 0 if SHADOW appears in any other form (then inexact). */
static int restore_type(const tmd_buf *in, tmd_buf *out)
{
    static const char name[] = "Name('" SHADOW "', Load())";
    const char *p = in->data ? in->data : "", *end = p + in->len;
    while (p < end) {
        const char *hit = strstr(p, SHADOW);
        if (!hit) {
            tmd_buf_put(out, p, (size_t)(end - p));
            break;
        }
        const char *at = hit - 6; /* strlen("Name('") */
        if (at < p || strncmp(at, name, sizeof name - 1))
            return 0;
        tmd_buf_put(out, p, (size_t)(at - p));
        tmd_buf_puts(out, "Name('type', Load())");
        p = at + sizeof name - 1;
    }
    return 1;
}

void dump_reparse_type_stmt(dumper *d, TSNode stmt, tmd_buf *out)
{
    size_t len;
    const char *text = dump_text(d, stmt, &len);
    if (len < 4 || memcmp(text, "type", 4) != 0 || memmem(text, len, SHADOW, strlen(SHADOW))) {
        dump_inexact(d, stmt, "statement starting with `type` tree-sitter misreads");
        return;
    }
    tmd_buf snippet = TMD_BUF_INIT, dumped = TMD_BUF_INIT;
    tmd_buf_puts(&snippet, SHADOW);
    tmd_buf_put(&snippet, text + 4, len - 4);
    tmd_buf_putc(&snippet, '\n');
    TSParser *parser = snippet.oom ? NULL : ts_parser_new();
    TSTree *tree = NULL;
    if (parser && ts_parser_set_language(parser, dump_language()))
        tree = ts_parser_parse_string(parser, NULL, snippet.data, (uint32_t)snippet.len);
    if (!tree) {
        dump_inexact(d, stmt, DUMP_OOM_REASON);
        goto done;
    }
    TSNode root = ts_tree_root_node(tree);
    TSNode inner = dump_first_named(root);
    if (ts_node_has_error(root) || ts_node_named_child_count(root) != 1 ||
        ts_node_symbol(inner) == d->sym->S_type_alias_statement) {
        dump_inexact(d, stmt, "statement starting with `type` tree-sitter misreads");
        goto done;
    }
    dumper sub = *d;
    sub.src = snippet.data;
    sub.blocks = NULL;
    sub.block_lens = NULL;
    sub.nblocks = sub.cap = 0;
    dump_stmt(&sub, inner, &dumped);
    dump_free_blocks(&sub); /* a simple statement records none */
    if (sub.status == TMD_FP_NO_PARSE)
        dump_reject(d, stmt, sub.reason);
    else if (sub.status != TMD_FP_BLOCKS)
        dump_inexact(d, stmt, sub.reason);
    else if (dumped.oom || !restore_type(&dumped, out))
        dump_inexact(d, stmt, "statement starting with `type` tree-sitter misreads");
done:
    if (tree)
        ts_tree_delete(tree);
    if (parser)
        ts_parser_delete(parser);
    tmd_buf_free(&snippet);
    tmd_buf_free(&dumped);
}
