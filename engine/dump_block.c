/* dump_block.c: the module and function bodies that become testmon's blocks,
 * and the inline bodies of every other compound statement. */
#include "dump_common.h"
#include "dump_symbols.h"

/* ---- logical lines -------------------------------------------------------- */

static int opens(const dump_symbols *s, TSSymbol t)
{
    return t == s->A_lparen || t == s->A_lbracket || t == s->A_lbrace;
}

static int closes(const dump_symbols *s, TSSymbol t)
{
    return t == s->A_rparen || t == s->A_rbracket || t == s->A_rbrace;
}

/* Every newline between two tokens is escaped by a backslash. A comment
 * between them ends its logical line, whatever its last character. */
static int continued(const dumper *d, uint32_t from, uint32_t to)
{
    for (uint32_t i = from; i < to; i++)
        if (d->src[i] == '#' || (d->src[i] == '\n' && (i == 0 || d->src[i - 1] != '\\')))
            return 0;
    return 1;
}

/* tree-sitter-python sometimes joins two logical lines into one statement
 * (`a,` followed by `x = 1` becomes `a, x = 1`). CPython ends a simple
 * statement at a newline outside brackets unless a backslash continues it,
 * so a statement header whose tokens jump to a later line outside brackets
 * without a line continuation was misparsed: inexact. Bodies (blocks) are
 * checked statement by statement; strings are opaque. */
static void check_logical_lines(dumper *d, TSNode stmt)
{
    const dump_symbols *s = d->sym;
    TSTreeCursor c = ts_tree_cursor_new(stmt);
    int depth = 0, have_prev = 0;
    uint32_t prev_row = 0, prev_end = 0;
    for (;;) {
        TSNode n = ts_tree_cursor_current_node(&c);
        TSSymbol t = ts_node_symbol(n);
        int descend = 0;
        if (t == s->S_block || t == s->S_decorator || t == s->S_case_clause) {
            /* blocks are checked as their own statements; decorators and
             * case clauses are lines of their own */
            if (t != s->S_block)
                descend = 1;
            have_prev = 0;
            depth = 0;
        } else if (t == s->S_comment || t == s->S_line_continuation) {
            /* a comment ends its line: the next token is on a new one; a
             * backslash continuation is judged from the next token */
        } else if (t == s->S_string || ts_node_child_count(n) == 0 ||
                   opens(s, ts_node_symbol(ts_node_child(n, 0)))) {
            /* a token, a string or a bracketed node (inside brackets
             * newlines are free): one unit */
            uint32_t row = ts_node_start_point(n).row;
            if (have_prev && depth == 0 && row > prev_row && !continued(d, prev_end, ts_node_start_byte(n))) {
                dump_inexact(d, n, "tree-sitter joined two logical lines");
                break;
            }
            if (opens(s, t))
                depth++;
            else if (closes(s, t) && depth > 0)
                depth--;
            have_prev = 1;
            prev_row = ts_node_end_point(n).row;
            prev_end = ts_node_end_byte(n);
        } else {
            descend = 1;
        }
        if (descend && ts_tree_cursor_goto_first_child(&c))
            continue;
        int moved = 0;
        while (!moved) {
            if (ts_tree_cursor_goto_next_sibling(&c)) {
                moved = 1;
            } else if (!ts_tree_cursor_goto_parent(&c)) {
                break;
            } else if (ts_node_eq(ts_tree_cursor_current_node(&c), stmt)) {
                break;
            } else {
                TSSymbol up = ts_node_symbol(ts_tree_cursor_current_node(&c));
                if (up == s->S_decorator || up == s->S_case_clause) {
                    have_prev = 0; /* the line of a decorator/case header ended */
                    depth = 0;
                }
            }
        }
        if (!moved)
            break;
    }
    ts_tree_cursor_delete(&c);
}

/* ---- bodies and blocks ---------------------------------------------------- */

/* The statements of a module or block, ", "-joined. A cursor walk: a block
 * can hold thousands of statements. */
static void dump_stmt_list(dumper *d, TSNode parent, tmd_buf *out)
{
    dump_indent_list indent;
    dump_check_indent_begin(d, parent, &indent);
    TSTreeCursor c = ts_tree_cursor_new(parent);
    TSNode outer = d->stmt; /* restored below: the enclosing list's statement */
    int first = 1, semicolon = 0;
    uint32_t prev_end_row = 0;
    if (ts_tree_cursor_goto_first_child(&c)) {
        do {
            TSNode n = ts_tree_cursor_current_node(&c);
            if (ts_node_symbol(n) == d->sym->A_semicolon)
                semicolon = 1;
            if (!ts_node_is_named(n) || ts_node_is_extra(n))
                continue; /* ";" separators, comments */
            /* tree-sitter splits `2 {0} 3` into three statements: on one
             * line CPython needs a ";" between them */
            if (!first && !semicolon && ts_node_start_point(n).row == prev_end_row) {
                if (ts_node_has_error(parent))
                    dump_inexact(d, n, "two statements on one line beside a parse error");
                else
                    dump_reject(d, n, "two statements on one line without a semicolon");
            }
            dump_check_indent_stmt(d, &indent, n);
            semicolon = 0;
            prev_end_row = ts_node_end_point(n).row;
            dump_put_sep(out, &first);
            if (ts_node_start_point(n).row != ts_node_end_point(n).row)
                check_logical_lines(d, n);
            d->stmt = n;
            dump_stmt(d, n, out);
        } while (ts_tree_cursor_goto_next_sibling(&c));
    }
    ts_tree_cursor_delete(&c);
    d->stmt = outer;
    if (first) {
        /* anywhere in the tree: the error may hold the block's statements
         * (`def f():` then `x = *1`, which tree-sitter cannot parse), and
         * tree-sitter 0.20's ts_node_parent can miss a zero-width block's
         * real parent */
        if (ts_node_has_error(ts_tree_root_node(parent.tree)))
            dump_inexact(d, parent, "empty block beside a parse error");
        else
            dump_reject(d, parent, "expected an indented block");
    }
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
    /* tree-sitter recovered from something: usually a syntax error, but
     * its grammar also misses a few valid forms. The walk still runs: a
     * construct CPython surely rejects elsewhere makes the answer exact. */
    if (ts_node_has_error(module) && !dump_check_errors(d, module))
        dump_inexact(d, module, "tree-sitter could not parse the file");
    if (ts_node_named_child_count(module) == 0)
        return; /* empty module: no block at all */
    int any = 0;
    DUMP_EACH_CHILD(module, c)
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
