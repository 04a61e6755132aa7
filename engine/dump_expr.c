/* dump_expr.c: expressions, targets and argument lists as CPython's ast
 * dump (see dump.h and dump-notes.md). */
#include "dump.h"
#include "dump_symbols.h"
#include "pyliteral.h"

#include <string.h>

static void put_ctx(tmd_buf *out, dump_ctx ctx)
{
    tmd_buf_puts(out, ctx == CTX_LOAD ? "Load()" : ctx == CTX_STORE ? "Store()" : "Del()");
}

static void dump_name(dumper *d, TSNode n, dump_ctx ctx, tmd_buf *out)
{
    size_t len;
    const char *s = dump_text(d, n, &len);
    char why[LIT_WHY_SIZE];
    tmd_buf_puts(out, "Name('");
    if (lit_identifier(out, s, len, d->dialect, why) != LIT_OK)
        dump_inexact(d, n, why);
    tmd_buf_puts(out, "', ");
    put_ctx(out, ctx);
    tmd_buf_putc(out, ')');
}

void dump_expr(dumper *d, TSNode n, dump_ctx ctx, tmd_buf *out)
{
    const dump_symbols *sym = d->sym;
    TSSymbol s = ts_node_symbol(n);
    if (s == sym->S_identifier) {
        dump_name(d, n, ctx, out);
    } else {
        dump_inexact(d, n, "expression not yet supported");
    }
}

void dump_arguments(dumper *d, TSNode params, tmd_buf *out)
{
    if (!ts_node_is_null(params))
        dump_inexact(d, params, "parameters not yet supported");
    tmd_buf_puts(out, "arguments(, , None, , , None, )");
}

void dump_call_arguments(dumper *d, TSNode argument_list, tmd_buf *args, tmd_buf *keywords)
{
    (void)args;
    (void)keywords;
    dump_inexact(d, argument_list, "call arguments not yet supported");
}
