/* dump_errors.c: what a tree with ERROR or MISSING nodes still proves.
 * tree-sitter recovers from syntax errors but also from a few valid forms
 * its grammar lacks, so an error alone proves nothing; these patterns do:
 * - a closing bracket tree-sitter had to invent where the source's real
 *   brackets do not pair up (CPython: "'(' was never closed");
 * - a match statement with a whole case clause before Python 3.10;
 * - `T = default` in the type parameters of a def, class or type alias,
 *   which tree-sitter 0.23 cannot parse, before Python 3.13 (PEP 696).
 * Runs only on trees with errors (a full cursor walk). Also says whether
 * every error lies where tmdiff reads the text itself (3.13's type
 * parameter defaults), so the tree is otherwise trustworthy. */
#include "dump_common.h"
#include "dump_expr.h"
#include "dump_symbols.h"

#define MAX_PAIRS 256

static int is_open(const dump_symbols *s, TSSymbol t)
{
    return t == s->A_lparen || t == s->A_lbracket || t == s->A_lbrace;
}

static TSSymbol closer_of(const dump_symbols *s, TSSymbol open)
{
    return open == s->A_lparen ? s->A_rparen : open == s->A_lbracket ? s->A_rbracket : s->A_rbrace;
}

static int is_close(const dump_symbols *s, TSSymbol t)
{
    return t == s->A_rparen || t == s->A_rbracket || t == s->A_rbrace;
}

/* The type_parameter list of a def/class, or of a type alias's name. */
static int is_declared_type_params(const dumper *d, TSNode tp)
{
    TSNode p = ts_node_parent(tp);
    if (ts_node_is_null(p))
        return 0;
    TSSymbol ps = ts_node_symbol(p);
    if (ps == d->sym->S_function_definition || ps == d->sym->S_class_definition)
        return 1;
    if (ps != d->sym->S_generic_type)
        return 0;
    TSNode t = ts_node_parent(p);
    TSNode alias = ts_node_is_null(t) ? t : ts_node_parent(t);
    return !ts_node_is_null(alias) && ts_node_symbol(alias) == d->sym->S_type_alias_statement &&
           ts_node_eq(ts_node_child_by_field_id(alias, d->sym->F_left), t);
}

/* The node lies within declared type parameters (a few levels up). */
static int in_declared_type_params(const dumper *d, TSNode n)
{
    TSNode p = ts_node_parent(n);
    for (int up = 0; up < 6 && !ts_node_is_null(p); up++, p = ts_node_parent(p))
        if (ts_node_symbol(p) == d->sym->S_type_parameter)
            return is_declared_type_params(d, p);
    return 0;
}

/* An ERROR holding "=" inside declared type parameters: a PEP 696 default. */
static int is_type_param_default(const dumper *d, TSNode error)
{
    int has_assign = 0;
    uint32_t n = ts_node_child_count(error);
    for (uint32_t i = 0; i < n && !has_assign; i++)
        has_assign = ts_node_symbol(ts_node_child(error, i)) == d->sym->A_assign;
    return has_assign && in_declared_type_params(d, error);
}

/* A match statement with a real case clause (`case ...:` and a body). */
static int has_case_body(const dumper *d, TSNode match)
{
    TSNode body = ts_node_child_by_field_id(match, d->sym->F_body);
    if (ts_node_is_null(body) || ts_node_has_error(body))
        return 0;
    TSNode first = dump_first_named(body);
    return !ts_node_is_null(first) && ts_node_symbol(first) == d->sym->S_case_clause &&
           !ts_node_is_null(ts_node_child_by_field_id(first, d->sym->F_consequence));
}

/* The node has an error none of its visible children shows: a MISSING
 * hidden token (a _newline) the cursor never visits. */
static int hides_error(TSNode n)
{
    if (!ts_node_has_error(n))
        return 0;
    uint32_t count = ts_node_child_count(n);
    for (uint32_t i = 0; i < count; i++) {
        TSNode c = ts_node_child(n, i);
        if (ts_node_has_error(c) || ts_node_is_missing(c) || ts_node_symbol(c) == (TSSymbol)-1)
            return 0;
    }
    return 1;
}

int dump_check_errors(dumper *d, TSNode root)
{
    int unexplained = 0;
    const dump_symbols *s = d->sym;
    TSSymbol stack[MAX_PAIRS];
    unsigned depth = 0;
    int unbalanced = 0, missing_closer = 0;
    TSTreeCursor c = ts_tree_cursor_new(root);
    for (;;) {
        TSNode n = ts_tree_cursor_current_node(&c);
        TSSymbol t = ts_node_symbol(n);
        int descend = 1;
        int is_error = t == (TSSymbol)-1 /* ERROR */;
        if ((is_error || ts_node_is_missing(n)) && !unexplained &&
            !(d->dialect->minor >= 13 && in_declared_type_params(d, n)) &&
            !(is_error && dump_expr_is_annotation_tail(d, n)))
            unexplained = 1; /* 3.13 reads type parameters from the text,
                                dump_arguments an annotation's IfExp tail */
        if (!unexplained && !is_error && !ts_node_is_missing(n) && hides_error(n))
            unexplained = 1;
        if (ts_node_is_missing(n)) {
            missing_closer |= is_close(s, t);
            descend = 0;
        } else if (t == s->S_string) {
            descend = 0; /* f-string braces pair up inside; the rest is text */
        } else if (is_error && d->dialect->minor < 13 && is_type_param_default(d, n)) {
            dump_reject(d, n, "type parameter defaults need Python 3.13");
        } else if (t == s->S_match_statement && d->dialect->minor < 10 && has_case_body(d, n)) {
            dump_reject(d, n, "match statements need Python 3.10");
        } else if (ts_node_child_count(n) == 0) {
            if (is_open(s, t)) {
                if (depth < MAX_PAIRS)
                    stack[depth] = t;
                depth++;
            } else if (is_close(s, t)) {
                if (depth == 0 || (depth <= MAX_PAIRS && closer_of(s, stack[depth - 1]) != t))
                    unbalanced = 1;
                else
                    depth--;
            }
        }
        if (!dump_cursor_step(&c, descend))
            break;
    }
    ts_tree_cursor_delete(&c);
    if (missing_closer && (unbalanced || depth != 0))
        dump_reject(d, root, "a bracket is never closed or does not match");
    return !unexplained;
}
