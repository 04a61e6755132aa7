/* dump_stmt.c: one statement as CPython's ast dump: the dispatch on the
 * tree-sitter node and the simple statements (compound ones: dump_compound.c,
 * definitions: dump_def.c). */
#include "dump_common.h"
#include "dump_symbols.h"

#include <string.h>

/* `Tuple(a, b, Load())` of the expression children of `n` (a bare
 * `a, b` expression statement has no expression_list node). */
static void dump_bare_tuple(dumper *d, TSNode n, tmd_buf *out)
{
    int first = 1;
    tmd_buf_puts(out, "Tuple(");
    DUMP_EACH_CHILD(n, c) {
        if (!ts_node_is_named(c))
            continue;
        dump_put_sep(out, &first);
        dump_tuple_item(d, c, out);
    }
    tmd_buf_puts(out, first ? "Load())" : ", Load())");
}

/* Counts the named children and reports whether a "," token is among them. */
static unsigned named_count(TSNode n, int *has_comma, const dump_symbols *sym)
{
    unsigned count = 0;
    *has_comma = 0;
    DUMP_EACH_CHILD(n, c) {
        if (ts_node_is_named(c))
            count++;
        else if (ts_node_symbol(c) == sym->A_comma)
            *has_comma = 1;
    }
    return count;
}

/* ---- assignments ----------------------------------------------------------- */

/* Targets of augmented assignment: a name, attribute or subscript only. */
static int is_single_target(const dumper *d, TSNode t)
{
    TSSymbol s = ts_node_symbol(t);
    return s == d->sym->S_identifier || s == d->sym->S_attribute || s == d->sym->S_subscript;
}

/* Strips redundant parentheses `((x))` around a target; *parens says
 * whether there were any (AnnAssign's `simple`). A one-element
 * tuple_pattern without a comma is tree-sitter's view of `(x)`. */
static TSNode strip_parens(const dumper *d, TSNode t, int *parens)
{
    *parens = 0;
    for (;;) {
        TSSymbol s = ts_node_symbol(t);
        if (s != d->sym->S_parenthesized_expression && s != d->sym->S_tuple_pattern &&
            s != d->sym->S_tuple)
            return t;
        int comma;
        if (named_count(t, &comma, d->sym) != 1 || comma)
            return t;
        TSNode inner = dump_first_named(t);
        if (ts_node_is_null(inner))
            return t;
        *parens = 1;
        t = inner;
    }
}

static const char *augop_name(const dumper *d, TSSymbol op)
{
    const dump_symbols *s = d->sym;
    if (op == s->A_plus_assign) return "Add()";
    if (op == s->A_minus_assign) return "Sub()";
    if (op == s->A_star_assign) return "Mult()";
    if (op == s->A_at_assign) return "MatMult()";
    if (op == s->A_slash_assign) return "Div()";
    if (op == s->A_percent_assign) return "Mod()";
    if (op == s->A_starstar_assign) return "Pow()";
    if (op == s->A_lshift_assign) return "LShift()";
    if (op == s->A_rshift_assign) return "RShift()";
    if (op == s->A_pipe_assign) return "BitOr()";
    if (op == s->A_caret_assign) return "BitXor()";
    if (op == s->A_amp_assign) return "BitAnd()";
    if (op == s->A_slashslash_assign) return "FloorDiv()";
    return NULL;
}

/* The value of an assignment's right-hand side (never an assignment). */
static void dump_rhs(dumper *d, TSNode right, tmd_buf *out)
{
    TSSymbol s = ts_node_symbol(right);
    if (s == d->sym->S_assignment || s == d->sym->S_augmented_assignment) {
        dump_reject(d, right, "assignment inside an expression");
        return;
    }
    dump_expr(d, right, CTX_LOAD, out);
}

static void dump_augassign(dumper *d, TSNode n, tmd_buf *out)
{
    TSNode left = ts_node_child_by_field_id(n, d->sym->F_left);
    TSNode op = ts_node_child_by_field_id(n, d->sym->F_operator);
    TSNode right = ts_node_child_by_field_id(n, d->sym->F_right);
    int parens;
    TSNode target = strip_parens(d, left, &parens);
    const char *opname = ts_node_is_null(op) ? NULL : augop_name(d, ts_node_symbol(op));
    if (ts_node_is_null(right) || !opname) {
        dump_inexact(d, n, "augmented assignment without operator or value");
        return;
    }
    if (!is_single_target(d, target)) {
        dump_reject(d, left, "illegal target for augmented assignment");
        return;
    }
    tmd_buf_puts(out, "AugAssign(");
    dump_expr(d, target, CTX_STORE, out);
    tmd_buf_puts(out, ", ");
    tmd_buf_puts(out, opname);
    tmd_buf_puts(out, ", ");
    dump_rhs(d, right, out);
    tmd_buf_putc(out, ')');
}

static void dump_annassign(dumper *d, TSNode n, TSNode left, TSNode type, TSNode right,
                           tmd_buf *out)
{
    int parens;
    TSNode target = strip_parens(d, left, &parens);
    if (!is_single_target(d, target)) {
        dump_reject(d, left, "only single target (not tuple/list) can be annotated");
        return;
    }
    tmd_buf_puts(out, "AnnAssign(");
    dump_expr(d, target, CTX_STORE, out);
    tmd_buf_puts(out, ", ");
    dump_expr(d, type, CTX_LOAD, out);
    tmd_buf_puts(out, ", ");
    if (ts_node_is_null(right))
        tmd_buf_puts(out, "None");
    else
        dump_rhs(d, right, out);
    /* simple: a bare name, not parenthesised */
    tmd_buf_puts(out, !parens && ts_node_symbol(target) == d->sym->S_identifier ? ", 1)" : ", 0)");
}

/* `a = b = c`: tree-sitter nests assignments to the right; CPython has one
 * Assign with every target. */
static void dump_assignment(dumper *d, TSNode n, tmd_buf *out)
{
    TSNode left = ts_node_child_by_field_id(n, d->sym->F_left);
    TSNode type = ts_node_child_by_field_id(n, d->sym->F_type);
    TSNode right = ts_node_child_by_field_id(n, d->sym->F_right);
    if (!ts_node_is_null(type)) {
        dump_annassign(d, n, left, type, right, out);
        return;
    }
    if (ts_node_is_null(right)) {
        dump_inexact(d, n, "assignment without a value");
        return;
    }
    tmd_buf_puts(out, "Assign(");
    dump_expr(d, left, CTX_STORE, out);
    while (ts_node_symbol(right) == d->sym->S_assignment) {
        TSNode next_type = ts_node_child_by_field_id(right, d->sym->F_type);
        if (!ts_node_is_null(next_type)) {
            dump_reject(d, right, "annotation in a chained assignment");
            return;
        }
        tmd_buf_puts(out, ", ");
        dump_expr(d, ts_node_child_by_field_id(right, d->sym->F_left), CTX_STORE, out);
        right = ts_node_child_by_field_id(right, d->sym->F_right);
        if (ts_node_is_null(right)) {
            dump_inexact(d, n, "assignment without a value");
            return;
        }
    }
    tmd_buf_puts(out, ", ");
    dump_rhs(d, right, out);
    tmd_buf_puts(out, ", None)");
}

static void dump_expression_statement(dumper *d, TSNode n, tmd_buf *out)
{
    int comma;
    unsigned count = named_count(n, &comma, d->sym);
    TSNode first = dump_first_named(n);
    if (count == 0 || ts_node_is_null(first)) {
        dump_inexact(d, n, "empty expression statement");
        return;
    }
    TSSymbol s = ts_node_symbol(first);
    if (count == 1 && !comma && s == d->sym->S_assignment) {
        dump_assignment(d, first, out);
        return;
    }
    if (count == 1 && !comma && s == d->sym->S_augmented_assignment) {
        dump_augassign(d, first, out);
        return;
    }
    tmd_buf_puts(out, "Expr(");
    if (count == 1 && !comma)
        dump_expr(d, first, CTX_LOAD, out);
    else
        dump_bare_tuple(d, n, out);
    tmd_buf_putc(out, ')');
}

/* ---- other simple statements ---------------------------------------------- */

/* `return x` / `return a, b` / `return`: Return(value). */
static void dump_return(dumper *d, TSNode n, tmd_buf *out)
{
    TSNode value = dump_first_named(n);
    tmd_buf_puts(out, "Return(");
    if (ts_node_is_null(value))
        tmd_buf_puts(out, "None");
    else
        dump_expr(d, value, CTX_LOAD, out);
    tmd_buf_putc(out, ')');
}

/* `del a, b` has two targets; `del (a, b)` one Tuple. */
static void dump_delete(dumper *d, TSNode n, tmd_buf *out)
{
    tmd_buf_puts(out, "Delete(");
    int first = 1;
    DUMP_EACH_CHILD(n, c) {
        if (!ts_node_is_named(c))
            continue;
        if (ts_node_symbol(c) == d->sym->S_list_splat) {
            /* 3.8's parser let `del *a` through to the compiler */
            if (d->dialect->minor >= 9)
                dump_reject(d, c, "cannot delete starred");
            else
                dump_inexact(d, c, "del of a starred target on 3.8");
            return;
        }
        if (ts_node_symbol(c) == d->sym->S_expression_list) {
            DUMP_EACH_CHILD(c, t)
                if (ts_node_is_named(t)) {
                    dump_put_sep(out, &first);
                    dump_expr(d, t, CTX_DEL, out);
                }
        } else {
            dump_put_sep(out, &first);
            dump_expr(d, c, CTX_DEL, out);
        }
    }
    tmd_buf_putc(out, ')');
}

static void dump_raise(dumper *d, TSNode n, tmd_buf *out)
{
    TSNode cause = ts_node_child_by_field_id(n, d->sym->F_cause);
    TSNode exc = {0};
    DUMP_EACH_CHILD(n, c)
        if (ts_node_is_named(c) && !ts_node_eq(c, cause)) {
            exc = c;
            break;
        }
    if (!ts_node_is_null(exc) && ts_node_symbol(exc) == d->sym->S_expression_list) {
        dump_reject(d, exc, "Python 2 raise with several expressions");
        return;
    }
    tmd_buf_puts(out, "Raise(");
    if (ts_node_is_null(exc))
        tmd_buf_puts(out, "None");
    else
        dump_expr(d, exc, CTX_LOAD, out);
    tmd_buf_puts(out, ", ");
    if (ts_node_is_null(cause))
        tmd_buf_puts(out, "None");
    else if (ts_node_is_null(exc))
        dump_reject(d, cause, "raise from without an exception");
    else
        dump_expr(d, cause, CTX_LOAD, out);
    tmd_buf_putc(out, ')');
}

/* Global('a', 'b') / Nonlocal(...) */
static void dump_names_stmt(dumper *d, TSNode n, const char *cls, tmd_buf *out)
{
    tmd_buf_puts(out, cls);
    tmd_buf_putc(out, '(');
    int first = 1;
    DUMP_EACH_CHILD(n, c)
        if (ts_node_symbol(c) == d->sym->S_identifier) {
            dump_put_sep(out, &first);
            dump_name_repr(d, c, out);
        }
    tmd_buf_putc(out, ')');
}

static void dump_assert(dumper *d, TSNode n, tmd_buf *out)
{
    int comma;
    unsigned count = named_count(n, &comma, d->sym);
    if (count < 1 || count > 2) {
        dump_reject(d, n, "assert takes a test and an optional message");
        return;
    }
    tmd_buf_puts(out, "Assert(");
    unsigned i = 0;
    DUMP_EACH_CHILD(n, c)
        if (ts_node_is_named(c)) {
            if (i++)
                tmd_buf_puts(out, ", ");
            dump_expr(d, c, CTX_LOAD, out);
        }
    tmd_buf_puts(out, count == 1 ? ", None)" : ")");
}

/* `print >>f, x` is valid Python 3: the tuple (print >> f, x). Any other
 * print statement is Python 2. The chevron's expression must bind tighter
 * than >> for tree-sitter's grouping to be CPython's. */
static void dump_print(dumper *d, TSNode n, tmd_buf *out)
{
    const dump_symbols *s = d->sym;
    TSNode chevron = {0};
    unsigned args = 0;
    int comma = 0;
    DUMP_EACH_CHILD(n, c) {
        if (ts_node_symbol(c) == s->S_chevron)
            chevron = c;
        else if (ts_node_symbol(c) == s->A_comma)
            comma = 1;
        else if (ts_node_is_named(c))
            args++;
    }
    if (ts_node_is_null(chevron)) {
        TSNode arg = ts_node_child_by_field_id(n, s->F_argument);
        size_t len;
        const char *t = ts_node_is_null(arg) ? "" : dump_text(d, arg, &len);
        if (*t && strchr("-+([*.<>=!&|^%/@", *t))
            dump_inexact(d, n, "print followed by an operator");
        else
            dump_reject(d, n, "Python 2 print statement");
        return;
    }
    TSNode target = dump_first_named(chevron);
    TSSymbol ts = ts_node_is_null(target) ? 0 : ts_node_symbol(target);
    if (ts != s->S_identifier && ts != s->S_attribute && ts != s->S_call && ts != s->S_subscript &&
        ts != s->S_parenthesized_expression && ts != s->S_string && ts != s->S_integer) {
        dump_inexact(d, chevron, "print >> with a complex expression");
        return;
    }
    tmd_buf_puts(out, "Expr(");
    if (args || comma)
        tmd_buf_puts(out, "Tuple(");
    tmd_buf_puts(out, "BinOp(Name('print', Load()), RShift(), ");
    dump_expr(d, target, CTX_LOAD, out);
    tmd_buf_putc(out, ')');
    DUMP_EACH_CHILD(n, c)
        if (ts_node_is_named(c) && !ts_node_eq(c, chevron)) {
            tmd_buf_puts(out, ", ");
            dump_expr(d, c, CTX_LOAD, out);
        }
    if (args || comma)
        tmd_buf_puts(out, ", Load())");
    tmd_buf_putc(out, ')');
}

/* ---- imports --------------------------------------------------------------- */

/* alias('a.b', None) / alias('a.b', 'c') of a dotted_name or aliased_import. */
static void dump_alias(dumper *d, TSNode n, int from, tmd_buf *out)
{
    tmd_buf_puts(out, "alias(");
    if (ts_node_symbol(n) == d->sym->S_aliased_import) {
        dump_dotted_repr(d, ts_node_child_by_field_id(n, d->sym->F_name), out);
        tmd_buf_puts(out, ", ");
        dump_binding_name_repr(d, ts_node_child_by_field_id(n, d->sym->F_alias), out);
    } else {
        /* `import a.b` binds a, `from m import a` binds a */
        TSNode bound = dump_first_named(n);
        if (d->dialect->minor < 9 && !ts_node_is_null(bound) && dump_text_is(d, bound, "__debug__") &&
            (from || ts_node_named_child_count(n) == 1))
            dump_reject(d, bound, "cannot assign to __debug__");
        dump_dotted_repr(d, n, out);
        tmd_buf_puts(out, ", None");
    }
    tmd_buf_putc(out, ')');
}

/* The imported names: every dotted_name/aliased_import after `import`. */
static void dump_import_names(dumper *d, TSNode n, int from, tmd_buf *out)
{
    int first = 1, seen_import = 0;
    DUMP_EACH_CHILD(n, c) {
        TSSymbol s = ts_node_symbol(c);
        if (s == d->sym->A_import) {
            seen_import = 1;
            continue;
        }
        if (!seen_import)
            continue;
        if (s == d->sym->S_dotted_name || s == d->sym->S_aliased_import) {
            dump_put_sep(out, &first);
            dump_alias(d, c, from, out);
        } else if (s == d->sym->S_wildcard_import) {
            dump_put_sep(out, &first);
            tmd_buf_puts(out, "alias('*', None)");
        }
    }
}

static void dump_import(dumper *d, TSNode n, tmd_buf *out)
{
    /* the grammar takes `import a,` (its name list allows a trailing comma
     * for the parenthesized from-import); CPython never does */
    uint32_t kids = ts_node_child_count(n);
    TSNode last = kids ? ts_node_child(n, kids - 1) : n;
    if (kids && ts_node_symbol(last) == d->sym->A_comma) {
        dump_reject(d, last, "trailing comma after imported names");
        return;
    }
    tmd_buf_puts(out, "Import(");
    dump_import_names(d, n, 0, out);
    tmd_buf_putc(out, ')');
}

/* Dotted names in `import a.b as c` must be plain in a from-import's names. */
static int from_names_ok(dumper *d, TSNode n)
{
    int seen_import = 0, paren = 0, comma_last = 0;
    DUMP_EACH_CHILD(n, c) {
        TSSymbol s = ts_node_symbol(c);
        if (s == d->sym->A_import) {
            seen_import = 1;
            continue;
        }
        if (!seen_import)
            continue;
        if (s == d->sym->A_lparen)
            paren = 1;
        comma_last = s == d->sym->A_comma;
        TSNode name = s == d->sym->S_aliased_import ? ts_node_child_by_field_id(c, d->sym->F_name) : c;
        if ((s == d->sym->S_aliased_import || s == d->sym->S_dotted_name) &&
            ts_node_named_child_count(name) != 1) {
            dump_reject(d, c, "dotted name in from-import names");
            return 0;
        }
    }
    if (comma_last && !paren) {
        dump_reject(d, n, "trailing comma not allowed without surrounding parentheses");
        return 0;
    }
    return 1;
}

static void dump_import_from(dumper *d, TSNode n, tmd_buf *out)
{
    if (!from_names_ok(d, n))
        return;
    TSNode module = ts_node_child_by_field_id(n, d->sym->F_module_name);
    unsigned level = 0;
    TSNode dotted = module;
    if (!ts_node_is_null(module) && ts_node_symbol(module) == d->sym->S_relative_import) {
        dotted = (TSNode){0};
        DUMP_EACH_CHILD(module, c) {
            if (ts_node_symbol(c) == d->sym->S_import_prefix) {
                size_t len;
                const char *t = dump_text(d, c, &len);
                for (size_t i = 0; i < len; i++)
                    level += t[i] == '.';
            } else if (ts_node_symbol(c) == d->sym->S_dotted_name) {
                dotted = c;
            }
        }
    }
    tmd_buf_puts(out, "ImportFrom(");
    if (ts_node_is_null(dotted))
        tmd_buf_puts(out, "None");
    else
        dump_dotted_repr(d, dotted, out);
    tmd_buf_puts(out, ", ");
    dump_import_names(d, n, 1, out);
    tmd_buf_printf(out, ", %u)", level);
}

static void dump_future_import(dumper *d, TSNode n, tmd_buf *out)
{
    if (!from_names_ok(d, n))
        return;
    tmd_buf_puts(out, "ImportFrom('__future__', ");
    dump_import_names(d, n, 1, out);
    tmd_buf_puts(out, ", 0)");
}

/* ---- dispatch -------------------------------------------------------------- */

void dump_stmt(dumper *d, TSNode n, tmd_buf *out)
{
    const dump_symbols *s = d->sym;
    TSSymbol sym = ts_node_symbol(n);
    if (++d->depth > DUMP_MAX_DEPTH) {
        dump_inexact(d, n, "nested too deeply for testmon's recursive dump");
        d->depth--;
        return;
    }
    if (sym == s->S_expression_statement)
        dump_expression_statement(d, n, out);
    else if (sym == s->S_function_definition)
        dump_function_def(d, n, (TSNode){0}, out);
    else if (sym == s->S_decorated_definition)
        dump_decorated(d, n, out);
    else if (sym == s->S_class_definition)
        dump_class_def(d, n, (TSNode){0}, out);
    else if (sym == s->S_return_statement)
        dump_return(d, n, out);
    else if (sym == s->S_pass_statement)
        tmd_buf_puts(out, "Pass()");
    else if (sym == s->S_break_statement)
        tmd_buf_puts(out, "Break()");
    else if (sym == s->S_continue_statement)
        tmd_buf_puts(out, "Continue()");
    else if (sym == s->S_if_statement)
        dump_if(d, n, out);
    else if (sym == s->S_for_statement)
        dump_for(d, n, out);
    else if (sym == s->S_while_statement)
        dump_while(d, n, out);
    else if (sym == s->S_try_statement)
        dump_try(d, n, out);
    else if (sym == s->S_with_statement)
        dump_with(d, n, out);
    else if (sym == s->S_import_statement)
        dump_import(d, n, out);
    else if (sym == s->S_import_from_statement)
        dump_import_from(d, n, out);
    else if (sym == s->S_future_import_statement)
        dump_future_import(d, n, out);
    else if (sym == s->S_delete_statement)
        dump_delete(d, n, out);
    else if (sym == s->S_raise_statement)
        dump_raise(d, n, out);
    else if (sym == s->S_global_statement)
        dump_names_stmt(d, n, "Global", out);
    else if (sym == s->S_nonlocal_statement)
        dump_names_stmt(d, n, "Nonlocal", out);
    else if (sym == s->S_assert_statement)
        dump_assert(d, n, out);
    else if (sym == s->S_match_statement)
        dump_match(d, n, out);
    else if (sym == s->S_type_alias_statement)
        dump_type_alias(d, n, out);
    else if (sym == s->S_print_statement)
        dump_print(d, n, out);
    else if (sym == s->S_exec_statement)
        dump_reject(d, n, "Python 2 exec statement");
    else
        dump_inexact(d, n, "statement tmdiff does not know");
    d->depth--;
}
