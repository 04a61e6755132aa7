/* dump_reparse.c: what tree-sitter-python 0.23 misreads, parsed again from
 * the text in small pieces (rare: one parse per piece):
 * - statements it reads as `type X = ...` although CPython sees an
 *   assignment: `type(self).x = 1` becomes a type_alias_statement whose
 *   "name" is `(self).x`; the statement is parsed on its own with `type`
 *   renamed to a placeholder identifier, dumped, and the placeholder's Name
 *   put back;
 * - type parameters with PEP 696 defaults (`[T = int, *Ts = *tuple[int]]`,
 *   3.13), which its grammar lacks: split at top-level commas and read as
 *   [*|**]name [: bound] [= default], bound and default parsed alone. */
#define _GNU_SOURCE /* memmem */
#include "dump_common.h"
#include "parse_guard.h"
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
    TSTree *tree = snippet.oom ? NULL : parse_guard_parse(snippet.data, snippet.len);
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
    tmd_buf_free(&snippet);
    tmd_buf_free(&dumped);
}

/* ---- type parameters with defaults (3.13) --------------------------------- */

/* Dumps the expression `text` (len bytes) by parsing "(text)" on its own;
 * `starred` parses "[text]" and dumps the list's one element instead
 * (`*Ts = *tuple[int]` has a Starred default). */
static void dump_snippet_expr(dumper *d, TSNode at, const char *text, size_t len, int starred,
                              tmd_buf *out)
{
    tmd_buf snippet = TMD_BUF_INIT;
    tmd_buf_putc(&snippet, starred ? '[' : '(');
    tmd_buf_put(&snippet, text, len);
    tmd_buf_puts(&snippet, starred ? "]\n" : ")\n");
    TSTree *tree = snippet.oom ? NULL : parse_guard_parse(snippet.data, snippet.len);
    if (!tree) {
        dump_inexact(d, at, DUMP_OOM_REASON);
        goto done;
    }
    TSNode root = ts_tree_root_node(tree);
    TSNode stmt = dump_first_named(root);
    TSNode group = ts_node_is_null(stmt) ? stmt : dump_first_named(stmt);
    TSNode inner = ts_node_is_null(group) ? group : dump_first_named(group);
    TSSymbol want = starred ? d->sym->S_list : d->sym->S_parenthesized_expression;
    if (ts_node_has_error(root) || ts_node_is_null(inner) || ts_node_symbol(group) != want ||
        ts_node_named_child_count(group) != 1 ||
        ts_node_end_byte(group) != snippet.len - 1) {
        dump_inexact(d, at, "type parameter part tmdiff cannot read");
        goto done;
    }
    dumper sub = *d;
    sub.src = snippet.data;
    sub.blocks = NULL;
    sub.block_lens = NULL;
    sub.nblocks = sub.cap = 0;
    sub.status = TMD_FP_BLOCKS;
    if (!starred) {
        dump_expr(&sub, inner, CTX_LOAD, out);
    } else {
        /* a Starred stands alone only inside a display: dump the one-item
         * list and keep its item */
        static const char head[] = "List(", tail[] = ", Load())";
        tmd_buf list = TMD_BUF_INIT;
        dump_expr(&sub, group, CTX_LOAD, &list);
        size_t n = list.len;
        if (list.oom || n < sizeof head + sizeof tail || memcmp(list.data, head, sizeof head - 1) ||
            memcmp(list.data + n - (sizeof tail - 1), tail, sizeof tail - 1))
            dump_inexact(d, at, "starred type parameter default");
        else
            tmd_buf_put(out, list.data + sizeof head - 1, n - (sizeof head - 1) - (sizeof tail - 1));
        tmd_buf_free(&list);
    }
    dump_free_blocks(&sub);
    if (sub.status == TMD_FP_NO_PARSE)
        dump_reject(d, at, sub.reason);
    else if (sub.status != TMD_FP_BLOCKS)
        dump_inexact(d, at, sub.reason);
done:
    if (tree)
        ts_tree_delete(tree);
    tmd_buf_free(&snippet);
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\\'; }

/* Trims blanks (and line continuations) around text[*from, *to). */
static void trim(const char *text, size_t *from, size_t *to)
{
    while (*from < *to && is_space(text[*from]))
        (*from)++;
    while (*to > *from && is_space(text[*to - 1]))
        (*to)--;
}

/* The first top-level (outside brackets and strings) `c` in [from, to), or
 * `to`. For "=", one that belongs to ":=", "==", "<=", ... does not count. */
static size_t find_top(const char *text, size_t from, size_t to, char c)
{
    unsigned depth = 0;
    for (size_t i = from; i < to; i++) {
        char t = text[i];
        if (t == c && depth == 0) {
            if (c == '=' && ((i > from && strchr(":=<>!", text[i - 1])) || (i + 1 < to && text[i + 1] == '=')))
                continue;
            return i;
        }
        if (t == '\'' || t == '"') {
            i = dump_skip_string(text, to, i) - 1;
        } else if (t == '(' || t == '[' || t == '{') {
            depth++;
        } else if ((t == ')' || t == ']' || t == '}') && depth) {
            depth--;
        }
    }
    return to;
}

/* An identifier of ASCII letters, digits, underscores (else inexact). */
static int plain_name(const char *text, size_t from, size_t to)
{
    if (from >= to || (text[from] >= '0' && text[from] <= '9'))
        return 0;
    for (size_t i = from; i < to; i++) {
        char c = text[i];
        if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            return 0;
    }
    return 1;
}

/* One parameter: [*|**] name [: bound] [= default] in text[from, to). */
static void dump_param_text(dumper *d, TSNode at, size_t from, size_t to, tmd_buf *out)
{
    const char *text = d->src;
    trim(text, &from, &to);
    int stars = 0;
    while (from < to && text[from] == '*' && stars < 2) {
        stars++;
        from++;
    }
    size_t eq = find_top(text, from, to, '=');
    size_t colon = stars ? eq : find_top(text, from, eq, ':');
    size_t name_from = from, name_to = colon < eq ? colon : eq;
    trim(text, &name_from, &name_to);
    if (!plain_name(text, name_from, name_to) || dump_is_keyword(text + name_from, name_to - name_from)) {
        dump_inexact(d, at, "type parameter name tmdiff cannot read");
        return;
    }
    tmd_buf_puts(out, stars == 2 ? "ParamSpec('" : stars == 1 ? "TypeVarTuple('" : "TypeVar('");
    tmd_buf_put(out, text + name_from, name_to - name_from);
    tmd_buf_puts(out, "', ");
    if (!stars) {
        if (colon < eq) {
            size_t b_from = colon + 1, b_to = eq;
            trim(text, &b_from, &b_to);
            dump_snippet_expr(d, at, text + b_from, b_to - b_from, 0, out);
        } else {
            tmd_buf_puts(out, "None");
        }
        tmd_buf_puts(out, ", ");
    }
    if (eq < to) {
        size_t v_from = eq + 1, v_to = to;
        trim(text, &v_from, &v_to);
        int starred = stars == 1 && v_from < v_to && text[v_from] == '*';
        dump_snippet_expr(d, at, text + v_from, v_to - v_from, starred, out);
    } else {
        tmd_buf_puts(out, "None");
    }
    tmd_buf_putc(out, ')');
}

void dump_type_params_text(dumper *d, TSNode params, tmd_buf *out)
{
    const char *text = d->src;
    size_t open = ts_node_start_byte(params), end = ts_node_end_byte(params);
    if (text[open] != '[') {
        dump_inexact(d, params, "type parameters tmdiff cannot read");
        return;
    }
    size_t close = find_top(text, open + 1, end, ']');
    if (close + 1 != end) {
        /* tree-sitter's node and the brackets disagree: trust neither */
        dump_inexact(d, params, "type parameters tmdiff cannot read");
        return;
    }
    int first = 1;
    size_t a0 = open + 1, b0 = close;
    trim(text, &a0, &b0);
    if (a0 == b0) {
        dump_reject(d, params, "type parameter list cannot be empty");
        return;
    }
    for (size_t from = open + 1; from < close;) {
        size_t comma = find_top(text, from, close, ',');
        size_t a = from, b = comma;
        trim(text, &a, &b);
        if (a < b) {
            dump_put_sep(out, &first);
            dump_param_text(d, params, a, b, out);
        }
        from = comma + 1;
    }
}
