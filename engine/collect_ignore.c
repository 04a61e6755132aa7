/* collect_ignore.c: a conftest.py's collect_ignore and collect_ignore_glob,
 * and the conftests' pytest_plugins, read when they are plain data.
 * Many projects keep `collect_ignore = ["setup.py"]` in their root
 * conftest; reading it, rather than calling that conftest unpredictable,
 * keeps every test below it exact. */
#include "collect_internal.h"
#include "error.h"
#include "parse_arena.h"
#include "parse_guard.h"

#include <string.h>

static int node_is(TSNode n, const char *type)
{
    return !ts_node_is_null(n) && strcmp(ts_node_type(n), type) == 0;
}

static int text_equals(const char *src, TSNode n, const char *want)
{
    size_t len = ts_node_end_byte(n) - ts_node_start_byte(n);
    return len == strlen(want) && !memcmp(src + ts_node_start_byte(n), want, len);
}

/* The identifiers spelling `name` anywhere in the tree: how many, and the
 * first. */
static unsigned count_mentions(const char *src, TSNode root, const char *name, TSNode *first)
{
    unsigned count = 0;
    TSTreeCursor cur = ts_tree_cursor_new(root);
    for (;;) {
        TSNode n = ts_tree_cursor_current_node(&cur);
        if (node_is(n, "identifier") && text_equals(src, n, name) && count++ == 0)
            *first = n;
        if (ts_tree_cursor_goto_first_child(&cur))
            continue;
        while (!ts_tree_cursor_goto_next_sibling(&cur))
            if (!ts_tree_cursor_goto_parent(&cur)) {
                ts_tree_cursor_delete(&cur);
                return count;
            }
    }
}

int conftest_list(strvec *values, const char *src, TSNode root, const char *name, int comma_str)
{
    TSNode id = {0};
    unsigned mentions = count_mentions(src, root, name, &id);
    if (mentions == 0)
        return CONFTEST_LIST_NONE;
    /* one mention: the target of a top-level `name = [...]` */
    TSNode assign = ts_node_parent(id);
    TSNode stmt = ts_node_parent(assign);
    if (mentions > 1 || !node_is(assign, "assignment") || !node_is(stmt, "expression_statement") ||
        !node_is(ts_node_parent(stmt), "module") || ts_node_named_child_count(stmt) != 1 ||
        !ts_node_eq(ts_node_child_by_field_name(assign, "left", 4), id))
        return CONFTEST_LIST_DYNAMIC;
    TSNode value = ts_node_child_by_field_name(assign, "right", 5);
    tmd_buf one = TMD_BUF_INIT;
    if (comma_str && collect_str_literal(&one, value, src)) { /* "a, b": pytest splits at commas */
        int rc = one.oom ? TMD_ENOMEM : 0;
        for (size_t at = 0; at < one.len && !rc;) {
            size_t n = strcspn(one.data + at, ",");
            size_t a = at, b = at + n;
            while (a < b && one.data[a] == ' ')
                a++;
            while (b > a && one.data[b - 1] == ' ')
                b--;
            if (b > a)
                rc = strvec_push_n(values, one.data + a, b - a);
            at += n + 1;
        }
        tmd_buf_free(&one);
        return rc ? TMD_ENOMEM : CONFTEST_LIST_STATIC;
    }
    tmd_buf_free(&one);
    if (!node_is(value, "list") && !node_is(value, "tuple"))
        return CONFTEST_LIST_DYNAMIC;
    size_t had = values->n;
    uint32_t n = ts_node_named_child_count(value);
    for (uint32_t i = 0; i < n; i++) {
        TSNode item = ts_node_named_child(value, i);
        if (node_is(item, "comment"))
            continue;
        tmd_buf v = TMD_BUF_INIT;
        int ok = collect_str_literal(&v, item, src) && !v.oom && v.len && !memchr(v.data, '\0', v.len);
        int rc = ok ? strvec_push_n(values, v.data, v.len) : 0;
        tmd_buf_free(&v);
        if (rc)
            return TMD_ENOMEM;
        if (!ok) {
            while (values->n > had)
                free(values->v[--values->n]);
            return CONFTEST_LIST_DYNAMIC;
        }
    }
    return CONFTEST_LIST_STATIC;
}

int conftest_ignore_lists(const char *src, size_t len, conftest_list_kind *paths_kind, strvec *paths,
                          conftest_list_kind *globs_kind, strvec *globs)
{
    *paths_kind = *globs_kind = CONFTEST_LIST_NONE;
    if (!text_has_word(src, len, "collect_ignore", 14, 0))
        return 0; /* most conftests: no parse */
    int arena = parse_arena_begin_small();
    TSTree *tree = parse_guard_parse(src, len);
    int rc = 0;
    if (!tree) {
        *paths_kind = *globs_kind = CONFTEST_LIST_DYNAMIC;
    } else {
        TSNode root = ts_tree_root_node(tree);
        int a = conftest_list(paths, src, root, "collect_ignore", 0);
        int b = a < 0 ? a : conftest_list(globs, src, root, "collect_ignore_glob", 0);
        rc = a < 0 ? a : b < 0 ? b : 0;
        *paths_kind = a < 0 ? CONFTEST_LIST_DYNAMIC : (conftest_list_kind)a;
        *globs_kind = b < 0 ? CONFTEST_LIST_DYNAMIC : (conftest_list_kind)b;
        parse_arena_tree_delete(tree);
    }
    parse_arena_end(arena);
    return rc;
}

int conftest_plugins(strvec *names, strvec *glob_dirs, const char *src, size_t len, const char *dir)
{
    if (!text_has_word(src, len, "pytest_plugins", 14, 1))
        return CONFTEST_LIST_NONE;
    int arena = parse_arena_begin_small();
    TSTree *tree = parse_guard_parse(src, len);
    int kind = tree ? conftest_list(names, src, ts_tree_root_node(tree), "pytest_plugins", 1)
                    : CONFTEST_LIST_DYNAMIC;
    if (kind == CONFTEST_LIST_DYNAMIC && tree) {
        int globs = conftest_plugin_globs(glob_dirs, names, src, ts_tree_root_node(tree), dir);
        kind = globs < 0 ? globs : globs ? CONFTEST_LIST_GLOBS : kind;
    }
    if (tree)
        parse_arena_tree_delete(tree);
    parse_arena_end(arena);
    return kind;
}

/* A statement or expression whose own `return`s and `yield`s belong to
 * another function. */
static int own_scope(TSNode n)
{
    return node_is(n, "function_definition") || node_is(n, "lambda") || node_is(n, "class_definition");
}

int ignore_hook_only_ignores(TSNode def)
{
    TSNode body = ts_node_child_by_field_name(def, "body", 4);
    if (ts_node_is_null(body))
        return 0;
    TSTreeCursor cur = ts_tree_cursor_new(body);
    int ok = 1;
    while (ok) {
        TSNode n = ts_tree_cursor_current_node(&cur);
        if (node_is(n, "return_statement")) {
            TSNode value = ts_node_named_child(n, 0);
            ok = ts_node_is_null(value) || node_is(value, "true") || node_is(value, "none");
        } else if (node_is(n, "yield") || node_is(n, "await")) {
            ok = 0; /* a hook wrapper decides the others' result */
        }
        if (!own_scope(n) && ts_tree_cursor_goto_first_child(&cur))
            continue;
        while (!ts_tree_cursor_goto_next_sibling(&cur))
            if (!ts_tree_cursor_goto_parent(&cur))
                goto done;
    }
done:
    ts_tree_cursor_delete(&cur);
    return ok;
}

int conftest_ignore_hook_forces(const char *src, size_t len)
{
    static const char hook[] = "pytest_ignore_collect";
    size_t mentions = text_word_count(src, len, hook, sizeof hook - 1);
    if (!mentions)
        return 0; /* most conftests: no parse */
    int arena = parse_arena_begin_small();
    TSTree *tree = parse_guard_parse(src, len);
    size_t ignoring = 0;
    if (tree) {
        TSTreeCursor cur = ts_tree_cursor_new(ts_tree_root_node(tree));
        for (int more = ts_tree_cursor_goto_first_child(&cur); more; more = ts_tree_cursor_goto_next_sibling(&cur)) {
            TSNode def = ts_tree_cursor_current_node(&cur);
            if (node_is(def, "decorated_definition"))
                def = ts_node_child_by_field_name(def, "definition", 10);
            TSNode name = node_is(def, "function_definition") ? ts_node_child_by_field_name(def, "name", 4)
                                                               : (TSNode){0};
            if (!ts_node_is_null(name) && text_equals(src, name, hook) && ignore_hook_only_ignores(def))
                ignoring++;
        }
        ts_tree_cursor_delete(&cur);
        parse_arena_tree_delete(tree);
    }
    parse_arena_end(arena);
    return ignoring != mentions;
}
