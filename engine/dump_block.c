/* dump_block.c: the module and function bodies that become testmon's blocks,
 * and the inline bodies of every other compound statement. */
#include "dump_common.h"

/* ---- bodies and blocks ---------------------------------------------------- */

/* The statements of a module or block, ", "-joined. A cursor walk: a block
 * can hold thousands of statements. */
static void dump_stmt_list(dumper *d, TSNode parent, tmd_buf *out)
{
    TSTreeCursor c = ts_tree_cursor_new(parent);
    int first = 1;
    if (ts_tree_cursor_goto_first_child(&c)) {
        do {
            TSNode n = ts_tree_cursor_current_node(&c);
            if (!ts_node_is_named(n) || ts_node_is_extra(n))
                continue; /* ";" separators, comments */
            dump_put_sep(out, &first);
            dump_stmt(d, n, out);
        } while (ts_tree_cursor_goto_next_sibling(&c));
    }
    ts_tree_cursor_delete(&c);
    if (first)
        dump_reject(d, parent, "expected an indented block");
}

void dump_body(dumper *d, TSNode block, int is_block_owner, tmd_buf *out)
{
    if (ts_node_is_null(block)) {
        dump_reject(d, block, "missing body");
        return;
    }
    if (!is_block_owner) {
        dump_stmt_list(d, block, out);
        return;
    }
    tmd_buf body = TMD_BUF_INIT;
    dump_stmt_list(d, block, &body);
    if (body.oom)
        dump_inexact(d, block, DUMP_OOM_REASON);
    else
        dump_record_block(d, body.data ? body.data : "", body.len);
    tmd_buf_free(&body);
    tmd_buf_puts(out, "transformed_into_block");
}

void dump_module(dumper *d, TSNode module)
{
    if (ts_node_has_error(module)) {
        /* tree-sitter recovered from something: usually a syntax error,
         * but its grammar also misses a few valid forms */
        dump_inexact(d, module, "tree-sitter could not parse the file");
        return;
    }
    if (ts_node_named_child_count(module) == 0)
        return; /* empty module: no block at all */
    int any = 0;
    for (TSNode c = dump_first_child(module); !ts_node_is_null(c); c = dump_next(c))
        if (ts_node_is_named(c)) {
            any = 1;
            break;
        }
    if (!any)
        return;
    tmd_buf body = TMD_BUF_INIT;
    dump_stmt_list(d, module, &body);
    if (body.oom)
        dump_inexact(d, module, DUMP_OOM_REASON);
    else if (d->status == TMD_FP_BLOCKS)
        dump_record_block(d, body.data ? body.data : "", body.len);
    tmd_buf_free(&body);
}
