/* collect_generate.c: which tests a pytest_generate_tests hook can
 * parametrize. pytest's documentation teaches
 *
 *     def pytest_generate_tests(metafunc):
 *         if "stringinput" in metafunc.fixturenames:
 *             metafunc.parametrize("stringinput", ...)
 *
 * Such a hook does nothing to a test that does not request the names it
 * tests for, so those tests keep exact IDs; any other hook (it may
 * parametrize every test, even one without arguments) leaves every test in
 * its scope a prefix. */
#include "collect_internal.h"

#include <string.h>

static int node_is(TSNode n, const char *type)
{
    return !ts_node_is_null(n) && strcmp(ts_node_type(n), type) == 0;
}

static int text_equals(const char *src, TSNode n, const char *want, size_t len)
{
    return !ts_node_is_null(n) && ts_node_end_byte(n) - ts_node_start_byte(n) == len &&
           !memcmp(src + ts_node_start_byte(n), want, len);
}

static TSNode unparen(TSNode n)
{
    while (node_is(n, "parenthesized_expression") && ts_node_named_child_count(n) == 1)
        n = ts_node_named_child(n, 0);
    return n;
}

/* `"name" in M.fixturenames`: 1 with the name pushed, 0 not such a test. */
static int fixture_test(strvec *names, const char *src, TSNode cond, const char *m, size_t ml)
{
    cond = unparen(cond);
    if (!node_is(cond, "comparison_operator") || ts_node_child_count(cond) != 3 ||
        strcmp(ts_node_type(ts_node_child(cond, 1)), "in"))
        return 0;
    TSNode attr = unparen(ts_node_child(cond, 2));
    if (!node_is(attr, "attribute") ||
        !text_equals(src, ts_node_child_by_field_name(attr, "object", 6), m, ml) ||
        !text_equals(src, ts_node_child_by_field_name(attr, "attribute", 9), "fixturenames", 12))
        return 0;
    tmd_buf name = TMD_BUF_INIT;
    int ok = collect_str_literal(&name, ts_node_child(cond, 0), src) && !name.oom;
    if (ok && names && strvec_push_n(names, name.data ? name.data : "", name.len))
        ok = TMD_ENOMEM;
    tmd_buf_free(&name);
    return ok;
}

/* A condition false for every test that requests none of the names it
 * pushes, evaluated without side effects up to that point: a fixture
 * test; `A and ...` with A such a condition (nothing after A runs when it
 * is false); `A or B` with both such conditions. */
static int guard(strvec *names, const char *src, TSNode cond, const char *m, size_t ml)
{
    cond = unparen(cond);
    if (!node_is(cond, "boolean_operator"))
        return fixture_test(names, src, cond, m, ml);
    TSNode op = ts_node_child_by_field_name(cond, "operator", 8);
    TSNode left = ts_node_child_by_field_name(cond, "left", 4);
    TSNode right = ts_node_child_by_field_name(cond, "right", 5);
    int l = guard(names, src, left, m, ml);
    if (l != 1)
        return l;
    if (node_is(op, "and"))
        return 1;
    return node_is(op, "or") ? guard(names, src, right, m, ml) : 0;
}

int generate_hook_guards(strvec *names, const char *src, TSNode def)
{
    TSNode params = ts_node_child_by_field_name(def, "parameters", 10);
    TSNode m = ts_node_named_child(params, 0);
    TSNode body = ts_node_child_by_field_name(def, "body", 4);
    if (!node_is(m, "identifier") || ts_node_is_null(body))
        return 0;
    const char *mt = src + ts_node_start_byte(m);
    size_t ml = ts_node_end_byte(m) - ts_node_start_byte(m);
    uint32_t n = ts_node_named_child_count(body);
    for (uint32_t i = 0; i < n; i++) {
        TSNode s = ts_node_named_child(body, i);
        if (ts_node_is_extra(s) || node_is(s, "pass_statement"))
            continue;
        if (node_is(s, "expression_statement") && ts_node_named_child_count(s) == 1 &&
            node_is(ts_node_named_child(s, 0), "string"))
            continue; /* the docstring */
        if (!node_is(s, "if_statement"))
            return 0;
        /* the condition, then each elif's; no else */
        int rc = guard(names, src, ts_node_child_by_field_name(s, "condition", 9), mt, ml);
        uint32_t k = ts_node_named_child_count(s);
        for (uint32_t j = 0; j < k && rc == 1; j++) {
            TSNode alt = ts_node_named_child(s, j);
            if (node_is(alt, "else_clause"))
                rc = 0;
            else if (node_is(alt, "elif_clause"))
                rc = guard(names, src, ts_node_child_by_field_name(alt, "condition", 9), mt, ml);
        }
        if (rc != 1)
            return rc;
    }
    return 1;
}
