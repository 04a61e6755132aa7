/* collect_imports.c: the names a module binds at its top level with `def`
 * and with `from M import ...`. pytest takes every fixture in a conftest's
 * namespace, imported ones too, so tmdiff follows a conftest's imports to
 * the modules under the root that define them (collect.c). */
#include "collect_internal.h"
#include "parse_arena.h"
#include "parse_guard.h"

#include <ctype.h>
#include <string.h>

static int node_is(TSNode n, const char *type)
{
    return !ts_node_is_null(n) && strcmp(ts_node_type(n), type) == 0;
}

/* The text of `n` without blanks (`from . pkg import` spells ".pkg"). */
static int push_text(strvec *v, const char *src, TSNode n)
{
    char buf[512];
    size_t k = 0;
    for (uint32_t i = ts_node_start_byte(n); i < ts_node_end_byte(n) && k + 1 < sizeof buf; i++)
        if (!isspace((unsigned char)src[i]) && src[i] != '\\')
            buf[k++] = src[i];
    buf[k] = '\0';
    return strvec_push(v, buf);
}

static int add_import(module_names *out, const char *src, TSNode module, TSNode name, TSNode alias)
{
    if (push_text(&out->specs, src, module))
        return TMD_ENOMEM;
    if (ts_node_is_null(name)) /* import * */
        return strvec_push(&out->origs, "*") || strvec_push(&out->binds, "*") ? TMD_ENOMEM : 0;
    return push_text(&out->origs, src, name) || push_text(&out->binds, src, ts_node_is_null(alias) ? name : alias)
               ? TMD_ENOMEM
               : 0;
}

/* One `from M import ...` statement. */
static int from_import(module_names *out, const char *src, TSNode stmt)
{
    TSNode module = ts_node_child_by_field_name(stmt, "module_name", 11);
    int rc = 0;
    uint32_t n = ts_node_named_child_count(stmt);
    for (uint32_t i = 0; i < n && !rc; i++) {
        TSNode ch = ts_node_named_child(stmt, i);
        if (ts_node_eq(ch, module) || ts_node_is_extra(ch))
            continue;
        if (node_is(ch, "wildcard_import"))
            rc = add_import(out, src, module, (TSNode){0}, (TSNode){0});
        else if (node_is(ch, "aliased_import"))
            rc = add_import(out, src, module, ts_node_child_by_field_name(ch, "name", 4),
                            ts_node_child_by_field_name(ch, "alias", 5));
        else if (node_is(ch, "dotted_name"))
            rc = add_import(out, src, module, ch, (TSNode){0});
    }
    return rc;
}

static int module_names_of(module_names *out, const char *src, TSNode root)
{
    /* statements at the top level, also inside if/try/with/for/while
     * (they bind module names too); never inside functions or classes */
    TSTreeCursor cur = ts_tree_cursor_new(root);
    int rc = 0, down = ts_tree_cursor_goto_first_child(&cur);
    while (down && !rc) {
        TSNode n = ts_tree_cursor_current_node(&cur);
        TSNode def = node_is(n, "decorated_definition") ? ts_node_child_by_field_name(n, "definition", 10) : n;
        int descend = 0;
        if (node_is(def, "function_definition"))
            rc = push_text(&out->defs, src, ts_node_child_by_field_name(def, "name", 4));
        else if (node_is(n, "import_from_statement"))
            rc = from_import(out, src, n);
        else
            descend = ts_node_is_named(n) && !node_is(def, "class_definition") && !node_is(n, "expression_statement");
        if (descend && ts_tree_cursor_goto_first_child(&cur))
            continue;
        while (!ts_tree_cursor_goto_next_sibling(&cur))
            if (!ts_tree_cursor_goto_parent(&cur) || ts_node_eq(ts_tree_cursor_current_node(&cur), root)) {
                down = 0;
                break;
            }
    }
    ts_tree_cursor_delete(&cur);
    return rc;
}

int module_names_read(module_names *out, const char *src, size_t len)
{
    if (!text_has_word(src, len, "import", 6, 1) && !text_has_word(src, len, "def", 3, 1))
        return 0;
    int arena = parse_arena_begin_small();
    TSTree *tree = parse_guard_parse(src, len);
    int rc = tree ? module_names_of(out, src, ts_tree_root_node(tree)) : -1;
    if (tree)
        parse_arena_tree_delete(tree);
    parse_arena_end(arena);
    return rc;
}

void module_names_free(module_names *m)
{
    strvec_free(&m->defs);
    strvec_free(&m->specs);
    strvec_free(&m->origs);
    strvec_free(&m->binds);
}
