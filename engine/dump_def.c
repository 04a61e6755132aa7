/* dump_def.c: def / async def / class with their decorators and type
 * parameters, and `type X = ...` aliases, as CPython's ast dump. */
#include "dump_common.h"
#include "dump_symbols.h"

#include <string.h>

/* ---- decorators ------------------------------------------------------------ */

/* Python 3.8's decorators are `@dotted.name` with at most one call (PEP 614
 * relaxed that in 3.9). */
static int decorator_ok_38(const dumper *d, TSNode e)
{
    if (ts_node_symbol(e) == d->sym->S_call)
        e = ts_node_child_by_field_id(e, d->sym->F_function);
    while (!ts_node_is_null(e) && ts_node_symbol(e) == d->sym->S_attribute) {
        TSNode obj = ts_node_child_by_field_id(e, d->sym->F_object);
        e = obj;
    }
    return !ts_node_is_null(e) && ts_node_symbol(e) == d->sym->S_identifier;
}

static void dump_decorators(dumper *d, TSNode decorated, tmd_buf *out)
{
    if (ts_node_is_null(decorated))
        return;
    int first = 1;
    DUMP_EACH_CHILD(decorated, c) {
        if (ts_node_symbol(c) != d->sym->S_decorator)
            continue;
        TSNode e = dump_first_named(c);
        if (ts_node_is_null(e)) {
            dump_inexact(d, c, "decorator without expression");
            return;
        }
        if (d->dialect->minor < 9 && !decorator_ok_38(d, e)) {
            dump_reject(d, e, "decorator expressions need Python 3.9 (PEP 614)");
            return;
        }
        dump_put_sep(out, &first);
        dump_expr(d, e, CTX_LOAD, out);
    }
}

void dump_decorated(dumper *d, TSNode n, tmd_buf *out)
{
    TSNode def = ts_node_child_by_field_id(n, d->sym->F_definition);
    if (ts_node_is_null(def))
        dump_inexact(d, n, "decorated definition without a definition");
    else if (ts_node_symbol(def) == d->sym->S_class_definition)
        dump_class_def(d, def, n, out);
    else
        dump_function_def(d, def, n, out);
}

/* ---- type parameters (3.12+) ------------------------------------------------- */

/* The expression inside tree-sitter's `type` wrapper. */
static TSNode type_inner(const dumper *d, TSNode t)
{
    if (!ts_node_is_null(t) && ts_node_symbol(t) == d->sym->S_type && ts_node_named_child_count(t) == 1)
        return dump_first_named(t);
    return t;
}

/* TypeVar(name, bound[, default_value]), ParamSpec(name[, default]),
 * TypeVarTuple(name[, default]). */
static void dump_type_param(dumper *d, TSNode t, tmd_buf *out)
{
    const char *tail = d->dialect->minor >= 13 ? ", None)" : ")";
    TSNode inner = type_inner(d, t);
    TSSymbol s = ts_node_symbol(inner);
    if (s == d->sym->S_identifier) {
        tmd_buf_puts(out, "TypeVar(");
        dump_name_repr(d, inner, out);
        tmd_buf_puts(out, ", None");
        tmd_buf_puts(out, tail);
    } else if (s == d->sym->S_constrained_type) {
        TSNode name = type_inner(d, dump_first_named(inner));
        TSNode bound = dump_nth_named(inner, 1);
        if (ts_node_is_null(name) || ts_node_symbol(name) != d->sym->S_identifier ||
            ts_node_is_null(bound)) {
            dump_inexact(d, inner, "type parameter bound");
            return;
        }
        tmd_buf_puts(out, "TypeVar(");
        dump_name_repr(d, name, out);
        tmd_buf_puts(out, ", ");
        dump_expr(d, bound, CTX_LOAD, out);
        tmd_buf_puts(out, tail);
    } else if (s == d->sym->S_splat_type) {
        TSNode star = dump_first_child(inner);
        TSNode name = dump_first_named(inner);
        if (ts_node_is_null(name) || ts_node_is_null(star)) {
            dump_inexact(d, inner, "type parameter");
            return;
        }
        tmd_buf_puts(out, ts_node_symbol(star) == d->sym->A_starstar ? "ParamSpec(" : "TypeVarTuple(");
        dump_name_repr(d, name, out);
        tmd_buf_puts(out, tail);
    } else {
        dump_inexact(d, t, "type parameter form tmdiff does not know");
    }
}

/* The ", "-joined type params of a type_parameter node (may be null). */
static void dump_type_params(dumper *d, TSNode params, tmd_buf *out)
{
    if (ts_node_is_null(params))
        return;
    if (d->dialect->minor < 12) {
        dump_reject(d, params, "type parameters need Python 3.12");
        return;
    }
    if (ts_node_has_error(params) && d->dialect->minor >= 13) {
        dump_type_params_text(d, params, out); /* defaults tree-sitter lacks */
        return;
    }
    int first = 1;
    DUMP_EACH_CHILD(params, c)
        if (ts_node_is_named(c)) {
            dump_put_sep(out, &first);
            dump_type_param(d, c, out);
        }
}

/* ---- definitions ------------------------------------------------------------- */

void dump_function_def(dumper *d, TSNode n, TSNode decorated, tmd_buf *out)
{
    TSNode first = dump_first_child(n);
    int is_async = !ts_node_is_null(first) && ts_node_symbol(first) == d->sym->A_async;
    TSNode returns = ts_node_child_by_field_id(n, d->sym->F_return_type);
    tmd_buf_puts(out, is_async ? "AsyncFunctionDef(" : "FunctionDef(");
    dump_binding_name_repr(d, ts_node_child_by_field_id(n, d->sym->F_name), out);
    tmd_buf_puts(out, ", ");
    dump_arguments(d, ts_node_child_by_field_id(n, d->sym->F_parameters), out);
    tmd_buf_puts(out, ", ");
    dump_body(d, ts_node_child_by_field_id(n, d->sym->F_body), 1, out);
    tmd_buf_puts(out, ", ");
    dump_decorators(d, decorated, out);
    tmd_buf_puts(out, ", ");
    if (ts_node_is_null(returns))
        tmd_buf_puts(out, "None");
    else
        dump_expr(d, returns, CTX_LOAD, out);
    tmd_buf_puts(out, ", None");
    TSNode tparams = ts_node_child_by_field_id(n, d->sym->F_type_parameters);
    if (d->dialect->minor >= 12) {
        tmd_buf_puts(out, ", ");
        dump_type_params(d, tparams, out);
    } else if (!ts_node_is_null(tparams)) {
        dump_reject(d, tparams, "type parameters need Python 3.12");
    }
    tmd_buf_putc(out, ')');
}

void dump_class_def(dumper *d, TSNode n, TSNode decorated, tmd_buf *out)
{
    tmd_buf_puts(out, "ClassDef(");
    dump_binding_name_repr(d, ts_node_child_by_field_id(n, d->sym->F_name), out);
    tmd_buf_puts(out, ", ");
    TSNode supers = ts_node_child_by_field_id(n, d->sym->F_superclasses);
    if (!ts_node_is_null(supers)) {
        tmd_buf args = TMD_BUF_INIT, keywords = TMD_BUF_INIT;
        dump_call_arguments(d, supers, &args, &keywords);
        if (args.oom || keywords.oom)
            dump_inexact(d, n, DUMP_OOM_REASON);
        tmd_buf_put(out, args.data, args.len);
        tmd_buf_puts(out, ", ");
        tmd_buf_put(out, keywords.data, keywords.len);
        tmd_buf_free(&args);
        tmd_buf_free(&keywords);
    } else {
        tmd_buf_puts(out, ", ");
    }
    tmd_buf_puts(out, ", ");
    dump_body(d, ts_node_child_by_field_id(n, d->sym->F_body), 0, out);
    tmd_buf_puts(out, ", ");
    dump_decorators(d, decorated, out);
    TSNode tparams = ts_node_child_by_field_id(n, d->sym->F_type_parameters);
    if (d->dialect->minor >= 12) {
        tmd_buf_puts(out, ", ");
        dump_type_params(d, tparams, out);
    } else if (!ts_node_is_null(tparams)) {
        dump_reject(d, tparams, "type parameters need Python 3.12");
    }
    tmd_buf_putc(out, ')');
}

/* `type X[T] = v` -> TypeAlias(Name('X', Store()), type_params, value) */
void dump_type_alias(dumper *d, TSNode n, tmd_buf *out)
{
    TSNode left = type_inner(d, ts_node_child_by_field_id(n, d->sym->F_left));
    TSNode right = type_inner(d, ts_node_child_by_field_id(n, d->sym->F_right));
    TSNode name = left, params = {0};
    if (!ts_node_is_null(left) && ts_node_symbol(left) == d->sym->S_generic_type) {
        name = dump_first_named(left);
        params = dump_nth_named(left, 1);
    }
    if (ts_node_is_null(name) || ts_node_symbol(name) != d->sym->S_identifier || ts_node_is_null(right)) {
        /* `type(x).y = 1`: an assignment tree-sitter took for an alias */
        dump_reparse_type_stmt(d, n, out);
        return;
    }
    if (d->dialect->minor < 12) {
        dump_reject(d, n, "type aliases need Python 3.12");
        return;
    }
    tmd_buf_puts(out, "TypeAlias(");
    dump_expr(d, name, CTX_STORE, out);
    tmd_buf_puts(out, ", ");
    dump_type_params(d, params, out);
    tmd_buf_puts(out, ", ");
    dump_expr(d, right, CTX_LOAD, out);
    tmd_buf_putc(out, ')');
}
