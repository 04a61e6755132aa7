/* dump_compound.c: if/elif/else, for, while, try/except(*)/finally, with and
 * match statements as CPython's ast dump (their bodies stay inline). */
#include "dump_common.h"
#include "dump_expr.h"
#include "dump_symbols.h"

#include <string.h>

/* The first child of `n` with symbol `sym` (null node if none). */
static TSNode child_of(TSNode n, TSSymbol sym)
{
    DUMP_EACH_CHILD(n, c)
        if (ts_node_symbol(c) == sym)
            return c;
    return (TSNode){0};
}

static int starts_async(const dumper *d, TSNode n)
{
    TSNode c = dump_first_child(n);
    return !ts_node_is_null(c) && ts_node_symbol(c) == d->sym->A_async;
}

/* The body of an else/finally clause. */
static void dump_clause_body(dumper *d, TSNode clause, tmd_buf *out)
{
    TSNode body = ts_node_child_by_field_id(clause, d->sym->F_body);
    if (ts_node_is_null(body))
        body = child_of(clause, d->sym->S_block);
    dump_body(d, body, 0, out);
}

/* if/elif/else: each elif is an If nested in the previous orelse. */
void dump_if(dumper *d, TSNode n, tmd_buf *out)
{
    unsigned nested = 1, depth0 = d->depth;
    tmd_buf_puts(out, "If(");
    dump_expr(d, ts_node_child_by_field_id(n, d->sym->F_condition), CTX_LOAD, out);
    tmd_buf_puts(out, ", ");
    dump_body(d, ts_node_child_by_field_id(n, d->sym->F_consequence), 0, out);
    tmd_buf_puts(out, ", ");
    DUMP_EACH_CHILD(n, c) {
        TSSymbol s = ts_node_symbol(c);
        if (s == d->sym->S_elif_clause) {
            if (++d->depth > DUMP_MAX_DEPTH) {
                dump_inexact(d, c, "elif chain nested too deeply for testmon's recursive dump");
                break;
            }
            nested++;
            tmd_buf_puts(out, "If(");
            dump_expr(d, ts_node_child_by_field_id(c, d->sym->F_condition), CTX_LOAD, out);
            tmd_buf_puts(out, ", ");
            dump_body(d, ts_node_child_by_field_id(c, d->sym->F_consequence), 0, out);
            tmd_buf_puts(out, ", ");
        } else if (s == d->sym->S_else_clause) {
            dump_clause_body(d, c, out);
        }
    }
    while (nested--)
        tmd_buf_putc(out, ')');
    d->depth = depth0;
}

void dump_for(dumper *d, TSNode n, tmd_buf *out)
{
    TSNode iter = ts_node_child_by_field_id(n, d->sym->F_right);
    if (d->dialect->minor < 9 && !ts_node_is_null(iter) &&
        ts_node_symbol(iter) == d->sym->S_expression_list &&
        !ts_node_is_null(child_of(iter, d->sym->S_list_splat))) {
        dump_reject(d, iter, "starred expression in a for iterable needs Python 3.9");
        return;
    }
    tmd_buf_puts(out, starts_async(d, n) ? "AsyncFor(" : "For(");
    dump_expr(d, ts_node_child_by_field_id(n, d->sym->F_left), CTX_STORE, out);
    tmd_buf_puts(out, ", ");
    dump_expr(d, ts_node_child_by_field_id(n, d->sym->F_right), CTX_LOAD, out);
    tmd_buf_puts(out, ", ");
    dump_body(d, ts_node_child_by_field_id(n, d->sym->F_body), 0, out);
    tmd_buf_puts(out, ", ");
    TSNode alt = ts_node_child_by_field_id(n, d->sym->F_alternative);
    if (!ts_node_is_null(alt))
        dump_clause_body(d, alt, out);
    tmd_buf_puts(out, ", None)");
}

void dump_while(dumper *d, TSNode n, tmd_buf *out)
{
    tmd_buf_puts(out, "While(");
    dump_expr(d, ts_node_child_by_field_id(n, d->sym->F_condition), CTX_LOAD, out);
    tmd_buf_puts(out, ", ");
    dump_body(d, ts_node_child_by_field_id(n, d->sym->F_body), 0, out);
    tmd_buf_puts(out, ", ");
    TSNode alt = ts_node_child_by_field_id(n, d->sym->F_alternative);
    if (!ts_node_is_null(alt))
        dump_clause_body(d, alt, out);
    tmd_buf_putc(out, ')');
}

/* ---- try ------------------------------------------------------------------- */

/* The parts of an except clause. tree-sitter reads `except E as e` as an
 * as_pattern value, and `except* E` usually as an except_clause whose value
 * is a list_splat (except_group_clause only in some contexts). */
typedef struct handler {
    TSNode type, name, body;
    int star;
} handler;

static int handler_parts(dumper *d, TSNode clause, handler *h)
{
    memset(h, 0, sizeof *h);
    h->star = ts_node_symbol(clause) == d->sym->S_except_group_clause;
    int after_as = 0;
    DUMP_EACH_CHILD(clause, c) {
        TSSymbol s = ts_node_symbol(c);
        if (s == d->sym->A_comma) {
            dump_reject(d, c, "multiple exception types must be parenthesized");
            return 0;
        }
        if (s == d->sym->A_as)
            after_as = 1;
        else if (s == d->sym->S_block)
            h->body = c;
        else if (!ts_node_is_named(c))
            continue;
        else if (after_as && ts_node_is_null(h->name))
            h->name = c;
        else if (!after_as && ts_node_is_null(h->type))
            h->type = c;
        else {
            dump_inexact(d, c, "unexpected except clause part");
            return 0;
        }
    }
    if (!ts_node_is_null(h->type) && ts_node_symbol(h->type) == d->sym->S_as_pattern) {
        TSNode as = h->type;
        TSNode alias = ts_node_child_by_field_id(as, d->sym->F_alias);
        h->type = dump_first_named(as);
        h->name = ts_node_is_null(alias) ? alias : dump_first_named(alias);
        if (ts_node_is_null(h->name) || ts_node_named_child_count(alias) != 1) {
            dump_reject(d, as, "except ... as needs a plain name");
            return 0;
        }
    }
    if (!h->star && !ts_node_is_null(h->type) && ts_node_symbol(h->type) == d->sym->S_list_splat) {
        h->star = 1;
        h->type = dump_first_named(h->type);
    }
    if (!ts_node_is_null(h->name) && ts_node_symbol(h->name) != d->sym->S_identifier) {
        dump_reject(d, h->name, "except ... as needs a plain name");
        return 0;
    }
    if (h->star && ts_node_is_null(h->type)) {
        dump_reject(d, clause, "expected one or more exception types after except*");
        return 0;
    }
    if (ts_node_is_null(h->type) && !ts_node_is_null(h->name)) {
        dump_inexact(d, clause, "except clause with a name but no type");
        return 0;
    }
    return 1;
}

/* ExceptHandler(type, name, body) */
static void dump_handler(dumper *d, const handler *h, tmd_buf *out)
{
    tmd_buf_puts(out, "ExceptHandler(");
    if (ts_node_is_null(h->type))
        tmd_buf_puts(out, "None");
    else
        dump_expr(d, h->type, CTX_LOAD, out);
    tmd_buf_puts(out, ", ");
    if (ts_node_is_null(h->name))
        tmd_buf_puts(out, "None");
    else
        dump_binding_name_repr(d, h->name, out);
    tmd_buf_puts(out, ", ");
    dump_body(d, h->body, 0, out);
    tmd_buf_putc(out, ')');
}

void dump_try(dumper *d, TSNode n, tmd_buf *out)
{
    /* first pass: are the handlers except* (TryStar) or plain, never both */
    int stars = 0, plains = 0;
    handler h;
    DUMP_EACH_CHILD(n, c) {
        TSSymbol s = ts_node_symbol(c);
        if (s != d->sym->S_except_clause && s != d->sym->S_except_group_clause)
            continue;
        if (!handler_parts(d, c, &h))
            return;
        stars += h.star;
        plains += !h.star;
    }
    if (stars && plains) {
        dump_reject(d, n, "cannot have both except and except* on the same try");
        return;
    }
    if (stars && d->dialect->minor < 11) {
        dump_reject(d, n, "except* needs Python 3.11");
        return;
    }
    tmd_buf_puts(out, stars ? "TryStar(" : "Try(");
    dump_body(d, ts_node_child_by_field_id(n, d->sym->F_body), 0, out);
    tmd_buf_puts(out, ", ");
    int first = 1;
    TSNode orelse = {0}, finally = {0};
    DUMP_EACH_CHILD(n, c) {
        TSSymbol s = ts_node_symbol(c);
        if (s == d->sym->S_except_clause || s == d->sym->S_except_group_clause) {
            handler_parts(d, c, &h);
            dump_put_sep(out, &first);
            dump_handler(d, &h, out);
        } else if (s == d->sym->S_else_clause) {
            orelse = c;
        } else if (s == d->sym->S_finally_clause) {
            finally = c;
        }
    }
    if (!ts_node_is_null(orelse) && !(stars + plains))
        dump_reject(d, orelse, "try/else without except");
    if (!(stars + plains) && ts_node_is_null(finally))
        dump_reject(d, n, "expected 'except' or 'finally' block");
    tmd_buf_puts(out, ", ");
    if (!ts_node_is_null(orelse))
        dump_clause_body(d, orelse, out);
    tmd_buf_puts(out, ", ");
    if (!ts_node_is_null(finally))
        dump_clause_body(d, finally, out);
    tmd_buf_putc(out, ')');
}

/* ---- with ------------------------------------------------------------------ */

/* The expression `with_item` stands for, seen through one layer of
 * parentheses when `unwrap` (3.9+ reads `with (a as b):` as an item). */
static void dump_withitem(dumper *d, TSNode item, int alone, tmd_buf *out)
{
    TSNode value = ts_node_child_by_field_id(item, d->sym->F_value);
    TSNode as = value;
    if (!ts_node_is_null(as) && ts_node_symbol(as) == d->sym->S_parenthesized_expression) {
        TSNode inner = dump_first_named(as);
        if (!ts_node_is_null(inner) && (ts_node_symbol(inner) == d->sym->S_as_pattern ||
                                        !ts_node_is_null(dump_expr_buried_as(d, inner)))) {
            if (d->dialect->minor < 9 || !alone) {
                dump_reject(d, inner, "parenthesized with-items need Python 3.9 and must hold them all");
                return;
            }
            as = value = inner;
        }
    }
    /* `with a if b else c as x:`: tree-sitter buries the `as` in the
     * expression's last operand; the item is rebuilt around it */
    TSNode buried = ts_node_is_null(as) ? as : dump_expr_buried_as(d, as);
    tmd_buf_puts(out, "withitem(");
    if (!ts_node_is_null(buried)) {
        TSNode alias = ts_node_child_by_field_id(buried, d->sym->F_alias);
        TSNode target = ts_node_is_null(alias) ? alias : dump_first_named(alias);
        if (ts_node_is_null(target)) {
            dump_inexact(d, buried, "with-item target");
            return;
        }
        dump_expr_without_as(d, value, buried, out);
        tmd_buf_puts(out, ", ");
        dump_expr(d, target, CTX_STORE, out);
    } else if (!ts_node_is_null(as) && ts_node_symbol(as) == d->sym->S_as_pattern) {
        TSNode ctx = dump_first_named(as);
        TSNode alias = ts_node_child_by_field_id(as, d->sym->F_alias);
        TSNode target = ts_node_is_null(alias) ? alias : dump_first_named(alias);
        if (ts_node_is_null(target)) {
            dump_inexact(d, as, "with-item target");
            return;
        }
        dump_expr(d, ctx, CTX_LOAD, out);
        tmd_buf_puts(out, ", ");
        dump_expr(d, target, CTX_STORE, out);
    } else {
        dump_expr(d, value, CTX_LOAD, out);
        tmd_buf_puts(out, ", None");
    }
    tmd_buf_putc(out, ')');
}

void dump_with(dumper *d, TSNode n, tmd_buf *out)
{
    TSNode clause = child_of(n, d->sym->S_with_clause);
    if (ts_node_is_null(clause)) {
        dump_inexact(d, n, "with statement without items");
        return;
    }
    TSNode first_tok = dump_first_child(clause);
    int parenthesized = !ts_node_is_null(first_tok) && ts_node_symbol(first_tok) == d->sym->A_lparen;
    unsigned items = 0;
    int comma_last = 0, starred = 0;
    DUMP_EACH_CHILD(clause, c) {
        if (ts_node_symbol(c) == d->sym->S_with_item) {
            items++;
            TSNode value = ts_node_child_by_field_id(c, d->sym->F_value);
            /* `*a.b` is no list_splat: tree-sitter binds the star to `a` */
            starred |= !ts_node_is_null(value) && (ts_node_symbol(value) == d->sym->S_list_splat ||
                                                   (d->src[ts_node_start_byte(value)] == '*' &&
                                                    d->src[ts_node_start_byte(value) + 1] != '*'));
        }
        if (ts_node_symbol(c) != d->sym->A_rparen)
            comma_last = ts_node_symbol(c) == d->sym->A_comma;
    }
    tmd_buf_puts(out, starts_async(d, n) ? "AsyncWith(" : "With(");
    if (starred && !parenthesized) {
        dump_reject(d, clause, "starred with-item");
        return;
    }
    if (parenthesized && (d->dialect->minor < 9 || starred)) {
        /* 3.8 reads `with (a, b):` as one tuple, and so does 3.9+ when an
         * item is starred; `as` inside is then an error */
        tmd_buf_puts(out, "withitem(");
        if (items > 1 || comma_last)
            tmd_buf_puts(out, "Tuple(");
        int first = 1;
        DUMP_EACH_CHILD(clause, c) {
            if (ts_node_symbol(c) != d->sym->S_with_item)
                continue;
            TSNode value = ts_node_child_by_field_id(c, d->sym->F_value);
            if (!ts_node_is_null(value) && ts_node_symbol(value) == d->sym->S_as_pattern) {
                dump_reject(d, value, "with-item `as` inside a parenthesized tuple");
                return;
            }
            dump_put_sep(out, &first);
            dump_tuple_item(d, value, out);
        }
        if (items > 1 || comma_last)
            tmd_buf_puts(out, ", Load())");
        tmd_buf_puts(out, ", None)");
    } else {
        if (!parenthesized && comma_last) {
            dump_reject(d, clause, "trailing comma after with-items");
            return;
        }
        int first = 1;
        DUMP_EACH_CHILD(clause, c)
            if (ts_node_symbol(c) == d->sym->S_with_item) {
                dump_put_sep(out, &first);
                dump_withitem(d, c, items == 1, out);
            }
    }
    tmd_buf_puts(out, ", ");
    dump_body(d, ts_node_child_by_field_id(n, d->sym->F_body), 0, out);
    tmd_buf_puts(out, ", None)");
}

/* ---- match ----------------------------------------------------------------- */

/* match_case(pattern, guard, body) */
static void dump_case(dumper *d, TSNode clause, tmd_buf *out)
{
    unsigned patterns = 0;
    int comma = 0;
    TSNode guard = {0}, body = {0};
    DUMP_EACH_CHILD(clause, c) {
        TSSymbol s = ts_node_symbol(c);
        if (s == d->sym->S_case_pattern)
            patterns++;
        else if (s == d->sym->A_comma)
            comma = 1;
        else if (s == d->sym->S_if_clause)
            guard = c;
        else if (s == d->sym->S_block)
            body = c;
    }
    tmd_buf_puts(out, "match_case(");
    int seq = patterns > 1 || comma;
    if (seq)
        tmd_buf_puts(out, "MatchSequence(");
    int first = 1;
    DUMP_EACH_CHILD(clause, c)
        if (ts_node_symbol(c) == d->sym->S_case_pattern) {
            dump_put_sep(out, &first);
            if (seq)
                dump_pattern_seq_item(d, c, out);
            else
                dump_pattern(d, c, out);
        }
    if (seq)
        tmd_buf_putc(out, ')');
    tmd_buf_puts(out, ", ");
    if (ts_node_is_null(guard)) {
        tmd_buf_puts(out, "None");
    } else {
        TSNode test = dump_first_named(guard);
        dump_expr(d, test, CTX_LOAD, out);
    }
    tmd_buf_puts(out, ", ");
    if (ts_node_is_null(body))
        body = ts_node_child_by_field_id(clause, d->sym->F_consequence);
    dump_body(d, body, 0, out);
    tmd_buf_putc(out, ')');
}

void dump_match(dumper *d, TSNode n, tmd_buf *out)
{
    if (d->dialect->minor < 10) {
        dump_reject(d, n, "match statements need Python 3.10");
        return;
    }
    unsigned subjects = 0;
    int comma = 0;
    TSNode body = ts_node_child_by_field_id(n, d->sym->F_body);
    DUMP_EACH_CHILD(n, c) {
        if (ts_node_eq(c, body))
            break;
        if (ts_node_symbol(c) == d->sym->A_comma)
            comma = 1;
        else if (ts_node_is_named(c))
            subjects++;
    }
    tmd_buf_puts(out, "Match(");
    int tuple = subjects > 1 || comma, first = 1;
    if (tuple)
        tmd_buf_puts(out, "Tuple(");
    DUMP_EACH_CHILD(n, c) {
        if (ts_node_eq(c, body))
            break;
        if (ts_node_is_named(c)) {
            dump_put_sep(out, &first);
            if (tuple)
                dump_tuple_item(d, c, out);
            else
                dump_expr(d, c, CTX_LOAD, out);
        }
    }
    if (tuple)
        tmd_buf_puts(out, ", Load())");
    tmd_buf_puts(out, ", ");
    first = 1;
    unsigned cases = 0;
    if (!ts_node_is_null(body))
        DUMP_EACH_CHILD(body, c)
            if (ts_node_symbol(c) == d->sym->S_case_clause) {
                dump_put_sep(out, &first);
                dump_case(d, c, out);
                cases++;
            }
    if (!cases)
        dump_reject(d, n, "match without case blocks");
    tmd_buf_putc(out, ')');
}
