/* dump_indent.c: CPython's indentation rules, checked on tree-sitter's tree.
 * tree-sitter-python silently accepts an unexpected indent (`a = 1` then a
 * deeper `b = 2`) and a fully indented module, and counts a tab as 8 columns
 * where CPython goes to the next multiple of 8 (and also compares with tabs
 * as 1 column, TabError when the two disagree). */
#include "dump_common.h"
#include "dump_symbols.h"

typedef dump_indent indent;

/* Whether the byte `at` is the last of a comment. */
static int ends_comment(const dumper *d, TSNode root, uint32_t at)
{
    TSNode n = ts_node_descendant_for_byte_range(root, at, at + 1);
    return ts_node_symbol(n) == d->sym->S_comment && ts_node_end_byte(n) == at + 1;
}

/* The indentation of the line holding byte `at`: 1 and *out; 0 if
 * something other than spaces and tabs precedes `at` on its logical line;
 * 2 if that logical line begins with a line of blanks and a backslash and
 * the dialect is 3.8 (which counts the first line's blanks and reads an
 * empty statement there) or 3.9 (which skips the line as blank). 3.10 on
 * count the blanks before the first backslash, or where there are none,
 * every blank up to the statement (CPython's tokenizer, `cont_line_col`). */
static int line_indent(const dumper *d, TSNode root, uint32_t at, indent *out)
{
    uint32_t start = at;
    int continued = 0;
    for (;;) {
        while (start > 0 && d->src[start - 1] != '\n') {
            char c = d->src[start - 1];
            if (c != ' ' && c != '\t')
                return 0;
            start--;
        }
        /* after a backslash continuation the logical line began on the
         * previous physical line; a backslash ending a comment is none */
        if (start < 2 || d->src[start - 2] != '\\' || ends_comment(d, root, start - 2))
            break;
        start -= 2;
        continued = 1;
    }
    if (continued && d->dialect->minor < 10)
        return 2;
    out->col = out->altcol = 0;
    out->mixed = 0;
    int seen_space = 0;
    unsigned cont_col = 0;
    /* blanks, and backslash-newline pairs where the line was continued */
    for (uint32_t i = start; i < at; i++) {
        if (d->src[i] == '\\') {
            if (!cont_col)
                cont_col = out->col;
            i++; /* its newline */
        } else if (d->src[i] == '\t') {
            out->col = (out->col / 8 + 1) * 8;
            out->altcol++;
            out->mixed |= seen_space;
        } else {
            out->col++;
            out->altcol++;
            seen_space = 1;
        }
    }
    if (cont_col)
        out->col = out->altcol = cont_col;
    return 1;
}

/* line_indent of `n`'s line (`at` on it): 1 with *out to check, else 0;
 * a line begun by a backslash continuation before 3.10 makes the file
 * inexact. */
static int indent_of(dumper *d, TSNode n, uint32_t at, indent *out)
{
    int how = line_indent(d, ts_tree_root_node(n.tree), at, out);
    if (how == 2)
        dump_inexact(d, n, "a statement after a line of only a backslash continuation "
                           "(Python 3.8 and 3.9 read it as their own tokenizers do)");
    return how == 1;
}

/* Indentation differs where CPython wants it equal. */
static void unequal(dumper *d, TSNode at, const indent *a, const indent *b)
{
    if (ts_node_has_error(ts_node_parent(at)))
        dump_inexact(d, at, "indentation beside a parse error");
    else if (a->mixed || b->mixed)
        dump_inexact(d, at, "indentation mixes spaces and tabs the way tree-sitter reads differently");
    else if (a->col == b->col)
        dump_reject(d, at, "inconsistent use of tabs and spaces in indentation");
    else
        dump_reject(d, at, "unexpected indent or unindent");
}

static int same(const indent *a, const indent *b)
{
    return a->col == b->col && a->altcol == b->altcol;
}

/* Clause headers (elif, else, except, finally) and the def under its
 * decorators line up with the statement that starts them. */
static void check_clauses(dumper *d, TSNode stmt, const indent *own)
{
    const dump_symbols *s = d->sym;
    /* a cursor: ts_node_child(i) restarts from the first child (O(i)) */
    TSTreeCursor cur = ts_tree_cursor_new(stmt);
    if (ts_tree_cursor_goto_first_child(&cur)) {
        do {
            TSNode c = ts_tree_cursor_current_node(&cur);
            TSSymbol t = ts_node_symbol(c);
            if (ts_node_is_extra(c) ||
                (t != s->S_elif_clause && t != s->S_else_clause && t != s->S_except_clause &&
                 t != s->S_except_group_clause && t != s->S_finally_clause && t != s->S_decorator &&
                 t != s->S_function_definition && t != s->S_class_definition))
                continue;
            indent ci;
            if (indent_of(d, c, ts_node_start_byte(c), &ci) && !same(&ci, own))
                unequal(d, c, &ci, own);
        } while (ts_tree_cursor_goto_next_sibling(&cur));
    }
    ts_tree_cursor_delete(&cur);
}

/* The case clauses of a match statement: one level deeper, all alike. */
static void check_cases(dumper *d, TSNode match, const indent *own)
{
    TSNode body = ts_node_child_by_field_id(match, d->sym->F_body);
    if (ts_node_is_null(body))
        return;
    indent first = {0, 0, 0};
    int have = 0;
    DUMP_EACH_CHILD(body, c) {
        indent ci;
        if (ts_node_symbol(c) != d->sym->S_case_clause || !indent_of(d, c, ts_node_start_byte(c), &ci))
            continue;
        if (!have) {
            have = 1;
            first = ci;
            if (ci.col <= own->col || ci.altcol <= own->altcol)
                unequal(d, c, &ci, own);
        } else if (!same(&ci, &first)) {
            unequal(d, c, &ci, &first);
        }
    }
}

/* The node `list` (a block) is a child of. Its owner is d->stmt, the
 * statement the enclosing list is dumping, or one of that statement's
 * clauses a level or two down: a cursor finds it there in a few steps.
 * tree-sitter 0.20's ts_node_parent instead walks down from the root past
 * every earlier sibling at each level (quadratic over a long class or
 * module); it remains the fallback when `list` is not found below d->stmt
 * (a dumper copied for a re-parsed snippet, an unexpected shape). */
static TSNode owner_of(const dumper *d, TSNode list)
{
    TSNode top = d->stmt;
    uint32_t start = ts_node_start_byte(list), end = ts_node_end_byte(list);
    if (ts_node_is_null(top) || top.tree != list.tree || ts_node_start_byte(top) > start ||
        ts_node_end_byte(top) < end)
        return ts_node_parent(list);
    TSTreeCursor c = ts_tree_cursor_new(top);
    TSNode owner = {0}, at = top;
    /* the child that reaches past `start` is the one to look at: the
     * cursor skips the others without making nodes of them */
    for (int level = 0; level < 8 && ts_tree_cursor_goto_first_child_for_byte(&c, start) >= 0; level++) {
        TSNode k = ts_tree_cursor_current_node(&c);
        if (ts_node_eq(k, list)) {
            owner = at; /* the cursor's path holds visible nodes only */
            break;
        }
        if (ts_node_start_byte(k) > start || end > ts_node_end_byte(k))
            break; /* not above `list` (a zero-width block): the fallback */
        at = k; /* descend into the child spanning `list` */
    }
    ts_tree_cursor_delete(&c);
    return ts_node_is_null(owner) ? ts_node_parent(list) : owner;
}

/* Starts the checks of the statements of a module or block: every
 * statement that starts a line is indented like the first one, which is
 * deeper than the owner's line (column 0 in a module). */
void dump_check_indent_begin(dumper *d, TSNode list, dump_indent_list *il)
{
    il->owner = (indent){0, 0, 0};
    il->first = il->owner;
    il->is_module = ts_node_symbol(list) == d->sym->S_module;
    il->have_first = 0;
    il->off = 0;
    if (il->is_module)
        return;
    TSNode parent = owner_of(d, list);
    if (ts_node_is_null(parent)) {
        il->off = 1;
        return;
    }
    /* the owner's own line, even when it does not start it */
    uint32_t at = ts_node_start_byte(parent);
    while (at > 0 && d->src[at - 1] != '\n')
        at--;
    while (d->src[at] == ' ' || d->src[at] == '\t')
        at++;
    il->off = !indent_of(d, parent, at, &il->owner);
}

/* One statement of the list, in order. A reject settles the file; after an
 * inexact verdict the checks go on, since a reject would replace it. */
void dump_check_indent_stmt(dumper *d, dump_indent_list *il, TSNode n)
{
    indent ni;
    if (il->off || d->status == TMD_FP_NO_PARSE || !indent_of(d, n, ts_node_start_byte(n), &ni))
        return;
    const dump_symbols *s = d->sym;
    if (!il->have_first) {
        il->have_first = 1;
        il->first = ni;
        if (il->is_module ? !same(&ni, &il->owner)
                          : (ni.col <= il->owner.col || ni.altcol <= il->owner.altcol))
            unequal(d, n, &ni, &il->owner);
    } else if (!same(&ni, &il->first)) {
        unequal(d, n, &ni, &il->first);
    }
    TSSymbol t = ts_node_symbol(n);
    if (t == s->S_match_statement)
        check_cases(d, n, &ni);
    else if (t == s->S_if_statement || t == s->S_for_statement || t == s->S_while_statement ||
             t == s->S_try_statement || t == s->S_decorated_definition)
        check_clauses(d, n, &ni);
}
