/* collect_plugin_globs.c: a pytest_plugins computed from glob patterns.
 * Many projects name every module of a fixtures folder that way:
 *
 *     pytest_plugins = [f.replace("/", ".").replace(".py", "")
 *                       for f in glob("tests/fixtures/[!_]*.py")]
 *
 * or from `Path("tests/fixtures").glob("*.py")`, `(Path(__file__).parent /
 * "fixtures").glob(...)`, `glob(os.path.join(...))`.
 *
 * tmdiff does not evaluate the expression. It checks that the statements
 * naming pytest_plugins only glob, call string and path methods, and
 * functions of the conftest that do the same; the modules named are then
 * among the .py files under each pattern's fixed folder (collect.c reads
 * them all as plugins: more, never fewer). Anything else stays computed
 * at run time (the listing is inexact). */
#include "collect_internal.h"

#include <string.h>

static int node_is(TSNode n, const char *type)
{
    return !ts_node_is_null(n) && strcmp(ts_node_type(n), type) == 0;
}

static int text_is_one_of(const char *src, TSNode n, const char *const *words)
{
    size_t len = ts_node_end_byte(n) - ts_node_start_byte(n);
    for (size_t i = 0; words[i]; i++)
        if (strlen(words[i]) == len && !memcmp(src + ts_node_start_byte(n), words[i], len))
            return 1;
    return 0;
}

static int text_is(const char *src, TSNode n, const char *word)
{
    const char *const one[] = {word, NULL};
    return text_is_one_of(src, n, one);
}

/* Calls that turn paths into module names without reaching anything else. */
static const char *const pure_functions[] = {"str", "sorted", "list", "set", "tuple", "print", "Path", NULL};
static const char *const pure_methods[] = {
    "replace", "split", "rsplit", "strip", "rstrip", "lstrip", "join", "append", "extend", "removesuffix",
    "removeprefix", "relative_to", "with_suffix", "as_posix", "splitext", "relpath", "basename", "normpath",
    "startswith", "endswith", "lower", "resolve", "absolute", "format", "joinpath", "dirname", "abspath",
    "realpath", "Path", NULL};
static const char *const glob_functions[] = {"glob", "iglob", NULL};

struct reading {
    const char *src;
    TSNode root;
    const char *conftest_dir; /* "" at the root */
    strvec *dirs;             /* fixed folders of the patterns, relative to the root */
    strvec *names;            /* str literals spelling module names */
    int globs;                /* glob calls seen */
    int depth;                /* conftest functions being checked */
};

static int pure_subtree(struct reading *r, TSNode n);

/* The top-level def of `name` in the conftest, or a null node. */
static TSNode conftest_function(const struct reading *r, TSNode name)
{
    uint32_t n = ts_node_named_child_count(r->root);
    for (uint32_t i = 0; i < n; i++) {
        TSNode def = ts_node_named_child(r->root, i);
        if (node_is(def, "decorated_definition"))
            continue; /* a decorator may make it anything */
        if (node_is(def, "function_definition")) {
            TSNode dn = ts_node_child_by_field_name(def, "name", 4);
            size_t len = ts_node_end_byte(name) - ts_node_start_byte(name);
            if (ts_node_end_byte(dn) - ts_node_start_byte(dn) == len &&
                !memcmp(r->src + ts_node_start_byte(dn), r->src + ts_node_start_byte(name), len))
                return def;
        }
    }
    return (TSNode){{0}, NULL, NULL};
}

/* Appends a relative path's components to `dir` ("" or a folder): 0 for
 * an absolute one, one with `..` or a backslash. */
static int join_relative(tmd_buf *dir, const char *path, size_t len)
{
    if (len && (path[0] == '/' || memchr(path, '\\', len)))
        return 0;
    for (size_t at = 0; at < len;) {
        size_t n = 0;
        while (at + n < len && path[at + n] != '/')
            n++;
        if (n == 2 && !memcmp(path + at, "..", 2))
            return 0;
        if (n && !(n == 1 && path[at] == '.')) {
            if (dir->len)
                tmd_buf_putc(dir, '/');
            tmd_buf_put(dir, path + at, n);
        }
        at += n + 1;
    }
    return 1;
}

/* The folder a pattern's fixed part names, joined to `base` ("" or a
 * folder): its components up to the first with a wildcard (a plain path:
 * its folder). 0 for an absolute pattern or one leaving the root. */
static int push_fixed_folder(strvec *dirs, const char *base, const char *pattern, size_t len)
{
    if (!len || pattern[0] == '/' || memchr(pattern, '\\', len))
        return 0;
    size_t fixed = 0; /* the components before the last or the first with a wildcard */
    for (size_t at = 0; at < len;) {
        size_t n = 0;
        while (at + n < len && pattern[at + n] != '/')
            n++;
        if (at + n >= len || memchr(pattern + at, '*', n) || memchr(pattern + at, '?', n) ||
            memchr(pattern + at, '[', n))
            break;
        fixed = at + n;
        at += n + 1;
    }
    tmd_buf dir = TMD_BUF_INIT;
    tmd_buf_puts(&dir, base);
    int ok = join_relative(&dir, pattern, fixed);
    int rc = dir.oom ? TMD_ENOMEM : ok ? (strvec_push_n(dirs, dir.data ? dir.data : "", dir.len) ? TMD_ENOMEM : 1) : 0;
    tmd_buf_free(&dir);
    return rc;
}

static int is_call_of(const struct reading *r, TSNode call, const char *name)
{
    TSNode fn = ts_node_child_by_field_name(call, "function", 8);
    if (node_is(fn, "attribute"))
        fn = ts_node_child_by_field_name(fn, "attribute", 9);
    return node_is(call, "call") && text_is(r->src, fn, name);
}

static int folder_expr(const struct reading *r, TSNode n, tmd_buf *dir);

/* One part of a path being joined: a str literal or a folder. */
static int join_part(const struct reading *r, TSNode part, tmd_buf *dir)
{
    tmd_buf lit = TMD_BUF_INIT;
    int ok = collect_str_literal(&lit, part, r->src) ? join_relative(dir, lit.data ? lit.data : "", lit.len)
                                                     : folder_expr(r, part, dir);
    tmd_buf_free(&lit);
    return ok;
}

/* Every argument of `call` joined onto `dir`. */
static int join_arguments(const struct reading *r, TSNode call, tmd_buf *dir)
{
    TSNode args = ts_node_child_by_field_name(call, "arguments", 9);
    uint32_t n = ts_node_named_child_count(args);
    int ok = 1;
    for (uint32_t i = 0; i < n && ok; i++)
        ok = join_part(r, ts_node_named_child(args, i), dir);
    return ok;
}

/* `__file__`'s folder: `Path(__file__).parent` (maybe resolved),
 * `os.path.dirname(__file__)` (maybe of its abspath or realpath). */
static int conftest_folder(const struct reading *r, TSNode n)
{
    if (node_is(n, "call") && (is_call_of(r, n, "resolve") || is_call_of(r, n, "absolute")))
        n = ts_node_child_by_field_name(ts_node_child_by_field_name(n, "function", 8), "object", 6);
    TSNode file = {{0}, NULL, NULL};
    if (node_is(n, "attribute") && text_is(r->src, ts_node_child_by_field_name(n, "attribute", 9), "parent")) {
        TSNode inner = ts_node_child_by_field_name(n, "object", 6);
        if (is_call_of(r, inner, "resolve") || is_call_of(r, inner, "absolute"))
            inner = ts_node_child_by_field_name(ts_node_child_by_field_name(inner, "function", 8), "object", 6);
        if (is_call_of(r, inner, "Path"))
            file = inner;
    } else if (is_call_of(r, n, "dirname")) {
        file = n;
    }
    if (ts_node_is_null(file))
        return 0;
    TSNode args = ts_node_child_by_field_name(file, "arguments", 9);
    TSNode arg = ts_node_named_child(args, 0);
    if (is_call_of(r, arg, "abspath") || is_call_of(r, arg, "realpath"))
        arg = ts_node_named_child(ts_node_child_by_field_name(arg, "arguments", 9), 0);
    return ts_node_named_child_count(args) == 1 && text_is(r->src, arg, "__file__");
}

/* A folder the expression names, relative to the root, appended to `dir`:
 * `Path.cwd()`, `Path()` or `Path("rel")` (pytest runs at the root), the
 * conftest's own folder, and those joined with str literals by `/`,
 * `joinpath` or `os.path.join`. 1 if read, 0 if not. */
static int folder_expr(const struct reading *r, TSNode n, tmd_buf *dir)
{
    if (node_is(n, "parenthesized_expression"))
        return folder_expr(r, ts_node_named_child(n, 0), dir);
    if (conftest_folder(r, n))
        return join_relative(dir, r->conftest_dir, strlen(r->conftest_dir));
    if (node_is(n, "binary_operator")) {
        TSNode op = ts_node_child_by_field_name(n, "operator", 8);
        return text_is(r->src, op, "/") && folder_expr(r, ts_node_child_by_field_name(n, "left", 4), dir) &&
               join_part(r, ts_node_child_by_field_name(n, "right", 5), dir);
    }
    if (!node_is(n, "call"))
        return 0;
    TSNode fn = ts_node_child_by_field_name(n, "function", 8);
    TSNode recv = node_is(fn, "attribute") ? ts_node_child_by_field_name(fn, "object", 6) : fn;
    if (is_call_of(r, n, "cwd") && (text_is(r->src, recv, "Path") || text_is(r->src, recv, "pathlib.Path")))
        return 1;
    if (is_call_of(r, n, "resolve") || is_call_of(r, n, "absolute"))
        return folder_expr(r, recv, dir);
    if (is_call_of(r, n, "joinpath"))
        return folder_expr(r, recv, dir) && join_arguments(r, n, dir);
    if (is_call_of(r, n, "join") && node_is(fn, "attribute") && text_is(r->src, recv, "os.path"))
        return join_arguments(r, n, dir);
    if (is_call_of(r, n, "Path") && (node_is(fn, "identifier") || text_is(r->src, recv, "pathlib")))
        return join_arguments(r, n, dir); /* Path(), Path("."), Path("tests", "fixtures") */
    return 0;
}

/* A glob pattern: a str literal, or `os.path.join(FOLDER, ..., "*.py")`
 * or `str(FOLDER / "*.py")`, into `pattern` relative to the root. */
static int pattern_expr(const struct reading *r, TSNode n, tmd_buf *pattern)
{
    if (collect_str_literal(pattern, n, r->src))
        return pattern->data != NULL;
    if (is_call_of(r, n, "str") && node_is(ts_node_child_by_field_name(n, "function", 8), "identifier")) {
        TSNode args = ts_node_child_by_field_name(n, "arguments", 9);
        n = ts_node_named_child(args, 0);
        if (ts_node_named_child_count(args) != 1)
            return 0;
    }
    /* the last part is the pattern, the rest a folder */
    TSNode last = {{0}, NULL, NULL}, folder = {{0}, NULL, NULL};
    if (node_is(n, "binary_operator") && text_is(r->src, ts_node_child_by_field_name(n, "operator", 8), "/")) {
        folder = ts_node_child_by_field_name(n, "left", 4);
        last = ts_node_child_by_field_name(n, "right", 5);
    } else if (is_call_of(r, n, "join") &&
               text_is(r->src, ts_node_child_by_field_name(ts_node_child_by_field_name(n, "function", 8), "object", 6),
                       "os.path")) {
        TSNode args = ts_node_child_by_field_name(n, "arguments", 9);
        uint32_t k = ts_node_named_child_count(args);
        if (k < 2)
            return 0;
        for (uint32_t i = 0; i + 1 < k; i++)
            if (!join_part(r, ts_node_named_child(args, i), pattern))
                return 0;
        last = ts_node_named_child(args, k - 1);
    } else {
        return 0;
    }
    if (!ts_node_is_null(folder) && !folder_expr(r, folder, pattern))
        return 0;
    tmd_buf lit = TMD_BUF_INIT;
    int ok = collect_str_literal(&lit, last, r->src) && lit.data && lit.data[0] != '/';
    if (ok) {
        if (pattern->len)
            tmd_buf_putc(pattern, '/');
        tmd_buf_put(pattern, lit.data, lit.len);
    }
    tmd_buf_free(&lit);
    return ok && !pattern->oom;
}

/* A glob call: its pattern, relative to `base` (a folder or ""), read into
 * r->dirs. 1, 0 (not one tmdiff reads), TMD_ENOMEM. */
static int glob_call(struct reading *r, TSNode call, const char *base)
{
    TSNode args = ts_node_child_by_field_name(call, "arguments", 9);
    uint32_t n = ts_node_named_child_count(args);
    tmd_buf pattern = TMD_BUF_INIT;
    int ok = n >= 1 && pattern_expr(r, ts_node_named_child(args, 0), &pattern);
    for (uint32_t i = 1; i < n && ok; i++) { /* recursive=True only: root_dir= moves the base */
        TSNode a = ts_node_named_child(args, i);
        ok = node_is(a, "keyword_argument") && text_is(r->src, ts_node_child_by_field_name(a, "name", 4), "recursive");
    }
    int rc = ok ? push_fixed_folder(r->dirs, base, pattern.data, pattern.len) : 0;
    rc = pattern.oom ? TMD_ENOMEM : rc;
    tmd_buf_free(&pattern);
    r->globs += rc == 1;
    return rc;
}

/* Whether the call is pure (its receiver and arguments are checked as the
 * walk reaches them) or a glob tmdiff reads: 1, 0, TMD_ENOMEM. */
static int pure_call(struct reading *r, TSNode call)
{
    TSNode fn = ts_node_child_by_field_name(call, "function", 8);
    if (node_is(fn, "identifier")) {
        if (text_is_one_of(r->src, fn, glob_functions))
            return glob_call(r, call, "");
        if (text_is_one_of(r->src, fn, pure_functions))
            return 1;
        TSNode def = conftest_function(r, fn);
        if (ts_node_is_null(def) || r->depth >= 4)
            return 0;
        r->depth++;
        int rc = pure_subtree(r, def);
        r->depth--;
        return rc;
    }
    if (!node_is(fn, "attribute"))
        return 0;
    TSNode attr = ts_node_child_by_field_name(fn, "attribute", 9);
    TSNode recv = ts_node_child_by_field_name(fn, "object", 6);
    if (text_is_one_of(r->src, attr, glob_functions) && node_is(recv, "identifier") && text_is(r->src, recv, "glob"))
        return glob_call(r, call, ""); /* glob.glob(...) */
    if (text_is(r->src, attr, "glob") || text_is(r->src, attr, "rglob")) {
        tmd_buf base = TMD_BUF_INIT;
        int rc = folder_expr(r, recv, &base) ? glob_call(r, call, base.data ? base.data : "") : 0;
        rc = base.oom ? TMD_ENOMEM : rc;
        tmd_buf_free(&base);
        return rc;
    }
    return text_is(r->src, attr, "cwd") || text_is_one_of(r->src, attr, pure_methods);
}

/* Every identifier under `n` (a target: `a`, `a, b`, `(x, y)`). */
static int push_identifiers(const char *src, TSNode n, strvec *out)
{
    if (node_is(n, "identifier"))
        return strvec_push_n(out, src + ts_node_start_byte(n), ts_node_end_byte(n) - ts_node_start_byte(n));
    uint32_t k = ts_node_named_child_count(n);
    int rc = 0;
    for (uint32_t i = 0; i < k && !rc; i++)
        rc = push_identifiers(src, ts_node_named_child(n, i), out);
    return rc;
}

/* The names `n` binds itself: for targets, assignment targets, parameters. */
static int bound_names(const char *src, TSNode n, strvec *out)
{
    TSTreeCursor cur = ts_tree_cursor_new(n);
    int rc = 0;
    for (int more = 1; more && !rc;) {
        TSNode node = ts_tree_cursor_current_node(&cur);
        TSNode target = {{0}, NULL, NULL};
        if (node_is(node, "for_in_clause") || node_is(node, "for_statement") || node_is(node, "assignment"))
            target = ts_node_child_by_field_name(node, "left", 4);
        else if (node_is(node, "parameters"))
            target = node;
        if (!ts_node_is_null(target))
            rc = push_identifiers(src, target, out);
        if (ts_tree_cursor_goto_first_child(&cur))
            continue;
        while (!(more = ts_tree_cursor_goto_next_sibling(&cur)) && ts_tree_cursor_goto_parent(&cur))
            ;
    }
    ts_tree_cursor_delete(&cur);
    return rc;
}

/* A str literal that may name a module (`["app.plugin"] + [...]`) goes to
 * r->names: collect.c reads those that name a file of the project. */
static int module_name_literal(struct reading *r, TSNode node)
{
    tmd_buf v = TMD_BUF_INIT;
    int rc = 1;
    if (collect_str_literal(&v, node, r->src) && v.len && v.data[0] != '.' && v.data[v.len - 1] != '.' &&
        strspn(v.data, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.") == v.len)
        rc = strvec_push_n(r->names, v.data, v.len) ? TMD_ENOMEM : 1;
    rc = v.oom ? TMD_ENOMEM : rc;
    tmd_buf_free(&v);
    return rc;
}

/* Names a pure statement may read besides its own. */
static const char *const known_names[] = {"pytest_plugins", "glob", "iglob", "os", "path", "sep", "Path",
                                          "pathlib", "__file__", "True", "False", "None", NULL};

/* Whether the identifier `id` reads a name bound outside the statement: a
 * global computed elsewhere. Attribute and keyword names, a def's own name,
 * known names, the statement's own and the conftest's functions are not. */
static int reads_foreign_name(const struct reading *r, TSNode id, const strvec *own)
{
    TSNode parent = ts_node_parent(id);
    const char *field = node_is(parent, "attribute") ? "attribute" : node_is(parent, "keyword_argument") ? "name" : NULL;
    if ((field && ts_node_eq(ts_node_child_by_field_name(parent, field, (uint32_t)strlen(field)), id)) ||
        node_is(parent, "function_definition"))
        return 0;
    return !text_is_one_of(r->src, id, known_names) && !text_is_one_of(r->src, id, pure_functions) &&
           !strvec_contains_n(own, r->src + ts_node_start_byte(id), ts_node_end_byte(id) - ts_node_start_byte(id)) &&
           ts_node_is_null(conftest_function(r, id));
}

/* Whether every call under `n` is pure or a glob tmdiff reads, and every
 * name it reads is its own, a known one or a checked function: 1, 0,
 * TMD_ENOMEM. */
static int pure_subtree(struct reading *r, TSNode n)
{
    strvec own = {0};
    if (bound_names(r->src, n, &own))
        return TMD_ENOMEM;
    TSTreeCursor cur = ts_tree_cursor_new(n);
    int rc = 1;
    for (int more = 1; more && rc == 1;) {
        TSNode node = ts_tree_cursor_current_node(&cur);
        if (node_is(node, "call")) {
            rc = pure_call(r, node);
        } else if (node_is(node, "string")) {
            rc = module_name_literal(r, node);
        } else if (node_is(node, "identifier") && reads_foreign_name(r, node, &own)) {
            rc = 0;
        }
        if (ts_tree_cursor_goto_first_child(&cur))
            continue;
        while (!(more = ts_tree_cursor_goto_next_sibling(&cur)) && ts_tree_cursor_goto_parent(&cur))
            ;
    }
    ts_tree_cursor_delete(&cur);
    strvec_free(&own);
    return rc;
}

int conftest_plugin_globs(strvec *dirs, strvec *names, const char *src, TSNode root, const char *conftest_dir)
{
    struct reading r = {src, root, conftest_dir, dirs, names, 0, 0};
    size_t had = dirs->n, had_names = names->n;
    int rc = 1;
    uint32_t n = ts_node_named_child_count(root);
    for (uint32_t i = 0; i < n && rc == 1; i++) {
        TSNode s = ts_node_named_child(root, i);
        uint32_t a = ts_node_start_byte(s), b = ts_node_end_byte(s);
        if (!text_has_word(src + a, b - a, "pytest_plugins", 14, 1))
            continue;
        /* a function or class naming it may change it later */
        if (node_is(s, "function_definition") || node_is(s, "class_definition") ||
            node_is(s, "decorated_definition"))
            rc = 0;
        else
            rc = pure_subtree(&r, s);
    }
    if (rc == 1 && !r.globs)
        rc = 0;
    if (rc != 1) {
        while (dirs->n > had)
            free(dirs->v[--dirs->n]);
        while (names->n > had_names)
            free(names->v[--names->n]);
    }
    return rc;
}
