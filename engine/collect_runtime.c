/* collect_runtime.c: whether a test module may bind test names while it is
 * imported, which a static listing cannot see. Two ways are read here:
 * import-time statements that bind names themselves (globals()[...] = ...,
 * setattr(...), exec(...)), and import-time code that calls, decorates with
 * or otherwise uses a function of the module whose body does so (directly or
 * through another such function), or hands __name__ to a call
 * (setattr(sys.modules[__name__], ...) behind an imported helper). Text
 * matches stay on the safe side: a false "yes" only makes the file a PREFIX. */
#define _GNU_SOURCE /* memmem */
#include "collect_internal.h"
#include "dump_symbols.h"
#include "error.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int is_name_char(char ch)
{
    return isalnum((unsigned char)ch) || ch == '_';
}

int text_has_word(const char *t, size_t len, const char *word, size_t wl, int whole)
{
    for (const char *at = t; (at = memmem(at, len - (size_t)(at - t), word, wl)); at++) {
        if (at > t && is_name_char(at[-1]))
            continue;
        if (whole && at + wl < t + len && is_name_char(at[wl]))
            continue;
        return 1;
    }
    return 0;
}

size_t text_word_count(const char *t, size_t len, const char *word, size_t wl)
{
    size_t n = 0;
    for (const char *at = t; (at = memmem(at, len - (size_t)(at - t), word, wl)); at++)
        n += !(at > t && is_name_char(at[-1])) && !(at + wl < t + len && is_name_char(at[wl]));
    return n;
}

/* Whether some `__dict__` in the text may be written: only a call of a
 * reading method right after it (`mod.__dict__.items()`) is surely not. */
static int dict_may_be_written(const char *t, size_t len)
{
    static const char *const reads[] = {".items()", ".keys()", ".values()", ".get(", ".copy()", NULL};
    for (const char *at = t; (at = memmem(at, len - (size_t)(at - t), "__dict__", 8)); at += 8) {
        const char *after = at + 8, *end = t + len;
        int read = 0;
        for (size_t i = 0; reads[i] && !read; i++)
            read = (size_t)(end - after) >= strlen(reads[i]) && !memcmp(after, reads[i], strlen(reads[i]));
        if (!read)
            return 1;
    }
    return 0;
}

int runtime_binding_text(const char *t, size_t len)
{
    static const char *const calls[] = {"globals()", "locals()", "vars(", "setattr(", "exec(", NULL};
    for (size_t i = 0; calls[i]; i++)
        if (text_has_word(t, len, calls[i], strlen(calls[i]), 0))
            return 1;
    return dict_may_be_written(t, len);
}

struct binder_scan {
    const char *src;
    const dump_symbols *sym;
    /* functions defined at import time (module, class and compound-statement
     * level): name and body */
    struct def {
        const char *name, *body;
        size_t nlen, blen;
        int method; /* defined in a class body: reached as an attribute */
        int binds;
    } *defs;
    size_t ndefs, cap;
};

static const char *node_text(const char *src, TSNode n, size_t *len)
{
    if (ts_node_is_null(n)) { /* tree-sitter 0.20 crashes on a null node */
        *len = 0;
        return "";
    }
    *len = ts_node_end_byte(n) - ts_node_start_byte(n);
    return src + ts_node_start_byte(n);
}

int is_main_guard(const char *src, TSNode n)
{
    const dump_symbols *sym = dump_symbols_get();
    if (ts_node_symbol(n) != sym->S_if_statement)
        return 0;
    size_t len;
    const char *t = node_text(src, ts_node_child_by_field_id(n, sym->F_condition), &len);
    return memmem(t, len, "__name__", 8) && memmem(t, len, "__main__", 8);
}

/* Calls `visit` on every node run when the module is imported: all but
 * function bodies (their defaults and decorators are run) and the def's own
 * name, and the main guard (`if __name__ == "__main__":`). */
typedef int (*visit_fn)(struct binder_scan *s, TSNode n, TSFieldId field, const TSSymbol *up,
                        size_t depth);

static int walk_import_time(struct binder_scan *s, TSNode root, visit_fn visit)
{
    TSTreeCursor cur = ts_tree_cursor_new(root);
    /* the symbols of the nodes above the cursor (ts_node_parent walks down
     * from the root in tree-sitter 0.20) */
    TSSymbol *up = NULL;
    size_t depth = 0, cap = 0;
    int rc = 0;
    for (;;) {
        TSNode n = ts_tree_cursor_current_node(&cur);
        TSFieldId f = ts_tree_cursor_current_field_id(&cur);
        int skip = (depth && up[depth - 1] == s->sym->S_function_definition &&
                    (f == s->sym->F_body || f == s->sym->F_name)) ||
                   is_main_guard(s->src, n);
        if (!skip && (rc = visit(s, n, f, up, depth)))
            break;
        if (!skip && ts_node_child_count(n)) {
            if (depth == cap) {
                cap = cap ? 2 * cap : 64;
                TSSymbol *g = realloc(up, cap * sizeof *g);
                if (!g) {
                    rc = TMD_ENOMEM;
                    break;
                }
                up = g;
            }
            up[depth++] = ts_node_symbol(n);
            ts_tree_cursor_goto_first_child(&cur);
            continue;
        }
        while (!ts_tree_cursor_goto_next_sibling(&cur)) {
            if (!ts_tree_cursor_goto_parent(&cur))
                goto done;
            depth--;
        }
    }
done:
    free(up);
    ts_tree_cursor_delete(&cur);
    return rc;
}

static int record_def(struct binder_scan *s, TSNode n, TSFieldId field, const TSSymbol *up,
                      size_t depth)
{
    (void)field;
    if (ts_node_symbol(n) != s->sym->S_function_definition)
        return 0;
    TSNode body = ts_node_child_by_field_id(n, s->sym->F_body);
    TSNode name = ts_node_child_by_field_id(n, s->sym->F_name);
    if (ts_node_is_null(name) || ts_node_is_null(body))
        return 0;
    if (s->ndefs == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        struct def *g = realloc(s->defs, cap * sizeof *g);
        if (!g)
            return TMD_ENOMEM;
        s->defs = g;
        s->cap = cap;
    }
    struct def *d = &s->defs[s->ndefs++];
    d->name = node_text(s->src, name, &d->nlen);
    d->method = 0; /* function bodies are not walked: any class above holds it */
    for (size_t i = 0; i < depth; i++)
        d->method |= up[i] == s->sym->S_class_definition;
    d->body = node_text(s->src, body, &d->blen);
    d->binds = runtime_binding_text(d->body, d->blen) ||
               text_has_word(d->body, d->blen, "sys.modules", 11, 1);
    return 0;
}

/* A binder `name` names: a method only after a dot (TestX.make()) */
static int binder_named(const struct binder_scan *s, const char *name, size_t len, int attribute)
{
    for (size_t i = 0; i < s->ndefs; i++)
        if (s->defs[i].binds && (attribute || !s->defs[i].method) && s->defs[i].nlen == len &&
            !memcmp(s->defs[i].name, name, len))
            return 1;
    return 0;
}

/* 1 where the node makes import-time code use a binder or __name__ */
static int uses_binder(struct binder_scan *s, TSNode n, TSFieldId field, const TSSymbol *up,
                       size_t depth)
{
    if (ts_node_symbol(n) != s->sym->S_identifier)
        return 0;
    size_t len;
    const char *t = node_text(s->src, n, &len);
    int attribute = depth && up[depth - 1] == s->sym->S_attribute && field == s->sym->F_attribute;
    if (binder_named(s, t, len, attribute))
        return 1;
    if (len != 8 || memcmp(t, "__name__", 8))
        return 0;
    /* __name__ handed to a call or used as a key; logging.getLogger(__name__)
     * and the main guard's comparison bind nothing */
    TSSymbol parent = depth ? up[depth - 1] : 0;
    if (parent == s->sym->S_subscript)
        return 1;
    if (parent != s->sym->S_argument_list)
        return 0;
    TSNode call = ts_node_parent(ts_node_parent(n)); /* rare: walks from the root */
    TSNode callee = ts_node_child_by_field_id(call, s->sym->F_function);
    size_t cl;
    const char *ct = node_text(s->src, callee, &cl);
    return !(cl >= 9 && !memcmp(ct + cl - 9, "getLogger", 9));
}

int module_binds_through_calls(const char *src, size_t len, TSNode root)
{
    /* pytest-bdd's scenarios() binds a test per scenario of its feature
     * files in the calling module */
    if (memmem(src, len, "pytest_bdd", 10) && text_has_word(src, len, "scenarios", 9, 1))
        return 1;
    struct binder_scan s = {src, dump_symbols_get(), NULL, 0, 0};
    int rc = walk_import_time(&s, root, record_def);
    /* a function that uses a binder binds too: grow to the fixpoint */
    for (int grew = 1; !rc && grew;) {
        grew = 0;
        for (size_t i = 0; i < s.ndefs; i++) {
            if (s.defs[i].binds)
                continue;
            for (size_t j = 0; j < s.ndefs && !s.defs[i].binds; j++)
                if (s.defs[j].binds && text_has_word(s.defs[i].body, s.defs[i].blen, s.defs[j].name,
                                                s.defs[j].nlen, 1))
                    s.defs[i].binds = grew = 1;
        }
    }
    int any = 0;
    for (size_t i = 0; i < s.ndefs; i++)
        any |= s.defs[i].binds;
    if (!rc && (any || memmem(src, len, "__name__", 8)))
        rc = walk_import_time(&s, root, uses_binder);
    free(s.defs);
    return rc;
}
