/* collect_ignore_bounded.c: a collect_ignore built under conditions from
 * str literals. Many conftests do:
 *
 *     collect_ignore = ["setup.py"]
 *     needs_numpy = ["linalg/dense.py", "convert.py"]
 *     if not has_numpy:
 *         collect_ignore += needs_numpy
 *
 * tmdiff cannot tell which branch runs, but the list can only hold those
 * literals: a path none of them names is not ignored by it. collect.c then
 * leaves only the named paths uncertain instead of the conftest's whole
 * folder. Anything else (a computed value, an alias, a function touching
 * the list, a star import) stays beyond tmdiff. */
#define _GNU_SOURCE /* memrchr */
#include "collect_internal.h"

#include <string.h>

static int node_is(TSNode n, const char *type)
{
    return !ts_node_is_null(n) && strcmp(ts_node_type(n), type) == 0;
}

static int text_is(const char *src, TSNode n, const char *word)
{
    size_t len = ts_node_end_byte(n) - ts_node_start_byte(n);
    return len == strlen(word) && !memcmp(src + ts_node_start_byte(n), word, len);
}

struct bounding {
    const char *src;
    TSNode root;
    strvec *values;
    int depth; /* names followed, for `a += b` chains */
    int scans; /* tree walks left: a hostile conftest gets no more */
};

static int name_bounded(struct bounding *b, const char *name, size_t len);

/* Whether the node runs at import time: not inside a function, class or
 * lambda, whose code may run later or never. */
static int at_module_level(TSNode n)
{
    for (TSNode p = ts_node_parent(n); !ts_node_is_null(p); p = ts_node_parent(p))
        if (node_is(p, "function_definition") || node_is(p, "class_definition") || node_is(p, "lambda") ||
            node_is(p, "list_comprehension") || node_is(p, "generator_expression") ||
            node_is(p, "set_comprehension") || node_is(p, "dictionary_comprehension"))
            return 0;
    return 1;
}

/* A str literal: its value into b->values. */
static int literal(struct bounding *b, TSNode n)
{
    tmd_buf v = TMD_BUF_INIT;
    int ok = collect_str_literal(&v, n, b->src) && v.data && !memchr(v.data, '\0', v.len);
    int rc = v.oom ? TMD_ENOMEM : ok ? (strvec_push_n(b->values, v.data, v.len) ? TMD_ENOMEM : 1) : 0;
    tmd_buf_free(&v);
    return rc;
}

/* A list or tuple display of str literals, a name bound only to such, or a
 * sum of them (each a new list: no alias). 1, 0, TMD_ENOMEM. */
static int literal_items(struct bounding *b, TSNode n, int may_be_name)
{
    while (node_is(n, "parenthesized_expression"))
        n = ts_node_named_child(n, 0);
    if (node_is(n, "list") || node_is(n, "tuple")) {
        int rc = 1;
        uint32_t k = ts_node_named_child_count(n);
        for (uint32_t i = 0; i < k && rc == 1; i++) {
            TSNode item = ts_node_named_child(n, i);
            if (!node_is(item, "comment"))
                rc = literal(b, item);
        }
        return rc;
    }
    if (node_is(n, "binary_operator") && text_is(b->src, ts_node_child_by_field_name(n, "operator", 8), "+")) {
        int rc = literal_items(b, ts_node_child_by_field_name(n, "left", 4), 1);
        return rc == 1 ? literal_items(b, ts_node_child_by_field_name(n, "right", 5), 1) : rc;
    }
    if (node_is(n, "identifier") && may_be_name)
        return name_bounded(b, b->src + ts_node_start_byte(n), ts_node_end_byte(n) - ts_node_start_byte(n));
    return 0;
}

/* What one mention of the name does: binds or extends it with literals, or
 * reads it into a new list (1); anything else (0). */
static int mention_bounded(struct bounding *b, TSNode id)
{
    TSNode parent = ts_node_parent(id);
    if (!at_module_level(id))
        return 0;
    /* read as an operand of another name's literal items (checked there) */
    int operand = 0; /* of a sum: a new list, not an alias */
    for (TSNode p = parent, child = id;; child = p, p = ts_node_parent(p)) {
        if (node_is(p, "binary_operator") || node_is(p, "parenthesized_expression")) {
            operand |= node_is(p, "binary_operator");
            continue;
        }
        if ((node_is(p, "augmented_assignment") || node_is(p, "assignment")) &&
            ts_node_eq(ts_node_child_by_field_name(p, "right", 5), child) && operand)
            return 1; /* `x = a + NAME` */
        if (node_is(p, "augmented_assignment") && ts_node_eq(ts_node_child_by_field_name(p, "right", 5), child))
            return 1; /* `x += NAME` */
        if (node_is(p, "argument_list")) {
            TSNode fn = ts_node_child_by_field_name(ts_node_parent(p), "function", 8);
            if (node_is(fn, "attribute") && text_is(b->src, ts_node_child_by_field_name(fn, "attribute", 9), "extend"))
                return 1; /* `x.extend(NAME)` */
        }
        break;
    }
    if (node_is(parent, "assignment") || node_is(parent, "augmented_assignment")) {
        if (!ts_node_eq(ts_node_child_by_field_name(parent, "left", 4), id))
            return 0;
        TSNode op = ts_node_child_by_field_name(parent, "operator", 8);
        if (node_is(parent, "augmented_assignment") && !text_is(b->src, op, "+="))
            return 0;
        /* `x = NAME` would alias a list others may change */
        return literal_items(b, ts_node_child_by_field_name(parent, "right", 5), node_is(parent, "augmented_assignment"));
    }
    /* `NAME.append("x")`, `NAME.insert(0, "x")`, `NAME.extend([...])` as a statement */
    TSNode call = ts_node_parent(parent);
    if (!node_is(parent, "attribute") || !ts_node_eq(ts_node_child_by_field_name(parent, "object", 6), id) ||
        !node_is(call, "call") || !node_is(ts_node_parent(call), "expression_statement"))
        return 0;
    TSNode method = ts_node_child_by_field_name(parent, "attribute", 9);
    TSNode args = ts_node_child_by_field_name(call, "arguments", 9);
    uint32_t nargs = ts_node_named_child_count(args);
    if (text_is(b->src, method, "append") && nargs == 1)
        return literal(b, ts_node_named_child(args, 0));
    if (text_is(b->src, method, "insert") && nargs == 2 && node_is(ts_node_named_child(args, 0), "integer"))
        return literal(b, ts_node_named_child(args, 1));
    if (text_is(b->src, method, "extend") && nargs == 1)
        return literal_items(b, ts_node_named_child(args, 0), 1);
    return 0;
}

/* Whether every mention of the name `name` keeps it a list of literals;
 * they go to b->values. 1, 0, TMD_ENOMEM. */
static int name_bounded(struct bounding *b, const char *name, size_t len)
{
    if (b->depth >= 8 || b->scans-- <= 0)
        return 0;
    b->depth++;
    TSTreeCursor cur = ts_tree_cursor_new(b->root);
    int rc = 1;
    for (int more = 1; more && rc == 1;) {
        TSNode n = ts_tree_cursor_current_node(&cur);
        if (node_is(n, "identifier") && ts_node_end_byte(n) - ts_node_start_byte(n) == len &&
            !memcmp(b->src + ts_node_start_byte(n), name, len))
            rc = mention_bounded(b, n);
        if (ts_tree_cursor_goto_first_child(&cur))
            continue;
        while (!(more = ts_tree_cursor_goto_next_sibling(&cur)) && ts_tree_cursor_goto_parent(&cur))
            ;
    }
    ts_tree_cursor_delete(&cur);
    b->depth--;
    return rc;
}

/* A star import may bind the name to anything. */
static int has_star_import(TSNode root)
{
    uint32_t n = ts_node_named_child_count(root);
    for (uint32_t i = 0; i < n; i++) {
        TSNode s = ts_node_named_child(root, i);
        if (!node_is(s, "import_from_statement"))
            continue;
        uint32_t k = ts_node_named_child_count(s);
        for (uint32_t j = 0; j < k; j++)
            if (node_is(ts_node_named_child(s, j), "wildcard_import"))
                return 1;
    }
    return 0;
}

int conftest_list_bounded(strvec *values, const char *src, size_t len, TSNode root, const char *name)
{
    if (runtime_binding_text(src, len) || has_star_import(root))
        return 0;
    size_t had = values->n;
    struct bounding b = {src, root, values, 0, 64};
    int rc = name_bounded(&b, name, strlen(name));
    if (rc != 1)
        while (values->n > had)
            free(values->v[--values->n]);
    return rc;
}

int ignore_value_scope(tmd_buf *out, const char *dir, const char *value, int glob)
{
    if (value[0] == '/')
        return 0;
    tmd_buf_puts(out, dir);
    for (const char *p = value; *p;) {
        size_t n = strcspn(p, "/");
        if (glob && strcspn(p, "*?[") < n)
            break; /* the folder before the first component with a wildcard */
        if (n == 2 && !memcmp(p, "..", 2)) {
            if (!out->len)
                return 0; /* leaves the root */
            char *slash = memrchr(out->data, '/', out->len);
            out->len = slash ? (size_t)(slash - out->data) : 0;
        } else if (n && !(n == 1 && *p == '.')) {
            if (out->len)
                tmd_buf_putc(out, '/');
            tmd_buf_put(out, p, n);
        }
        p += n + (p[n] == '/');
    }
    return 1;
}
