/* collect_module.c: the node IDs one test module defines, read from its
 * syntax tree the way pytest's python plugin builds them from the module's
 * namespace: functions matching python_functions, classes matching
 * python_classes without __init__/__new__ (their test methods, nested classes
 * too), unittest.TestCase subclasses by unittest's rule. Wherever the IDs
 * depend on runtime values (parametrize over non-literals, parametrized
 * fixtures, pytest_generate_tests, bases defined elsewhere, unknown
 * decorators, conditional definitions) the item is a PREFIX, never a guess. */
#define _GNU_SOURCE /* memmem */
#include "collect_internal.h"
#include "parse_arena.h"
#include "parse_guard.h"
#include "dump_common.h"
#include "dump_symbols.h"
#include "error.h"
#include "pyliteral.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* ---- tree helpers ------------------------------------------------------------ */

static int is(TSNode n, const char *type)
{
    return !ts_node_is_null(n) && strcmp(ts_node_type(n), type) == 0;
}

/* A child by field (a bare field name: field(n, left)), by the id resolved
 * once in dump_symbols.c: by name, tree-sitter compares the name against
 * every field of the grammar on each call. */
#define field(n, name) ts_node_child_by_field_id((n), dump_symbols_get()->F_##name)

/* The named children of a node, in order, through a cursor: tree-sitter's
 * ts_node_named_child(n, i) walks from the first child each time, which is
 * quadratic over a module of thousands of statements. free() *out. */
static TSNode *named_children(TSNode parent, uint32_t *count)
{
    *count = 0;
    uint32_t cap = ts_node_child_count(parent);
    TSNode *v = malloc((cap ? cap : 1) * sizeof *v);
    if (!v)
        return NULL;
    TSTreeCursor cur = ts_tree_cursor_new(parent);
    if (ts_tree_cursor_goto_first_child(&cur)) {
        do {
            TSNode ch = ts_tree_cursor_current_node(&cur);
            if (ts_node_is_named(ch) && *count < cap)
                v[(*count)++] = ch;
        } while (ts_tree_cursor_goto_next_sibling(&cur));
    }
    ts_tree_cursor_delete(&cur);
    return v;
}

struct ctx {
    const char *src;
    const char *relpath;
    const pytest_config *cfg;
    const collect_facts *facts;
    item_list *out;
    /* module-wide reasons every test here is a PREFIX (NULL: none) */
    const char *module_unknown;
    int unittest_names; /* `from unittest import TestCase` seen */
    int *odd_name;      /* set when a name could not be normalised */
    const param_ctx *params; /* module constants for parametrize arguments */
    const struct namespace *ns; /* the module's top-level names */
    int anyio_module;           /* the module's pytestmark names anyio */
    unsigned *autouse_read;     /* autouse= arguments scan_fixture read */
};

struct namespace;
static const struct binding *ns_find(const struct namespace *ns, const char *name, size_t len);
static const char *bound_here(const struct ctx *c, const char *name, size_t len);

/* Appends prefix + a Python name as pytest shows it: CPython NFKC-normalises
 * non-ASCII identifiers (`test_\uFB01le` is `test_file`). */
static void put_id(const struct ctx *c, tmd_buf *b, const char *prefix, const char *name, size_t len)
{
    tmd_buf_puts(b, prefix);
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)name[i] >= 0x80) {
            static const tmd_dialect newest = {13, -1};
            char why[LIT_WHY_SIZE];
            if (lit_identifier(b, name, len, &newest, why) != LIT_OK)
                *c->odd_name = 1;
            return;
        }
    }
    tmd_buf_put(b, name, len);
}

static const char *text(const struct ctx *c, TSNode n, size_t *len)
{
    if (ts_node_is_null(n)) { /* tree-sitter 0.20 crashes on a null node */
        *len = 0;
        return "";
    }
    *len = ts_node_end_byte(n) - ts_node_start_byte(n);
    return c->src + ts_node_start_byte(n);
}

static int text_is(const struct ctx *c, TSNode n, const char *want)
{
    size_t len;
    const char *t = text(c, n, &len);
    return len == strlen(want) && !memcmp(t, want, len);
}

/* Statements of a definition: the function/class node of a decorated one. */
static TSNode definition_of(TSNode stmt)
{
    if (is(stmt, "decorated_definition"))
        return field(stmt, definition);
    return stmt;
}

/* Whether an assigned value is data, never a fixture function: a literal,
 * a display or comprehension of them. */
static int is_data(TSNode value)
{
    static const char *const kinds[] = {"list", "tuple", "dictionary", "set", "string", "concatenated_string",
                                        "integer", "float", "true", "false", "none", "list_comprehension",
                                        "dictionary_comprehension", "set_comprehension", NULL};
    for (size_t i = 0; kinds[i]; i++)
        if (is(value, kinds[i]))
            return 1;
    return 0;
}

/* ---- decorators ---------------------------------------------------------------- */

typedef enum deco_kind {
    DECO_HARMLESS,    /* pytest.mark.skip, mock.patch, ...: the test stays one item */
    DECO_PARAMETRIZE, /* pytest.mark.parametrize(...) */
    DECO_USEFIXTURES, /* pytest.mark.usefixtures(...) */
    DECO_FIXTURE,     /* pytest.fixture: not a test */
    DECO_UNKNOWN,     /* anything else: may wrap, replace or parametrize */
} deco_kind;

/* An expression's name without blanks ("pytest.mark.parametrize" of
 * `pytest.mark.parametrize(...)`) in buf: 0 when it is too long. */
static int expression_name(const struct ctx *c, TSNode expr, char buf[128])
{
    if (ts_node_is_null(expr))
        return 0;
    size_t len;
    const char *t = text(c, is(expr, "call") ? field(expr, function) : expr, &len);
    if (len >= 128)
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (!isspace((unsigned char)t[i]))
            buf[n++] = t[i];
    buf[n] = '\0';
    return 1;
}

/* The decorator's name without blanks ("pytest.mark.parametrize" of
 * `@pytest.mark.parametrize(...)`) in buf, and its expression in *expr:
 * 0 when there is none or it is too long. */
static int decorator_name(const struct ctx *c, TSNode decorator, char buf[128], TSNode *expr)
{
    /* past comments and backslash continuations: `@\` + newline + `pytest.fixture` */
    *expr = dump_first_named(decorator);
    return expression_name(c, *expr, buf);
}

/* What a decorator expression (`pytest.mark.skip`, `mock.patch(...)`) does
 * to a test; the call's arguments in *call_args. */
static deco_kind classify_expression(const struct ctx *c, TSNode expr, TSNode *call_args)
{
    char buf[128];
    *call_args = (TSNode){{0}, NULL, NULL};
    if (!expression_name(c, expr, buf))
        return DECO_UNKNOWN;
    if (is(expr, "call"))
        *call_args = field(expr, arguments);
    const char *mark = !strncmp(buf, "pytest.mark.", 12) ? buf + 12 : !strncmp(buf, "mark.", 5) ? buf + 5 : NULL;
    if (mark) {
        if (!strcmp(mark, "parametrize"))
            return is(expr, "call") ? DECO_PARAMETRIZE : DECO_UNKNOWN;
        if (!strcmp(mark, "usefixtures"))
            return DECO_USEFIXTURES;
        /* installed plugins' marks that parametrize: pytest-repeat's
         * (test_x[1-3], ...), pytest-golden's (one test per matching file) */
        if (!strcmp(mark, "repeat") || !strcmp(mark, "golden_test"))
            return DECO_UNKNOWN;
        return strchr(mark, '.') ? DECO_UNKNOWN : DECO_HARMLESS;
    }
    if (!strcmp(buf, "pytest.fixture") || !strcmp(buf, "fixture") || !strcmp(buf, "pytest.yield_fixture") ||
        !strcmp(buf, "pytest_asyncio.fixture"))
        return DECO_FIXTURE;
    /* decorators known to keep one callable test with the same name */
    static const char *const harmless[] = {
        "staticmethod", "classmethod", "mock.patch", "patch", "mock.patch.object", "patch.object",
        "mock.patch.dict", "patch.dict", "mock.patch.multiple", "patch.multiple",
        "unittest.mock.patch", "unittest.mock.patch.object", "unittest.mock.patch.dict",
        "given", "hypothesis.given", "settings", "hypothesis.settings", "example",
        "hypothesis.example", "unittest.skip", "unittest.skipIf", "unittest.skipUnless",
        "unittest.expectedFailure", "skip", "skipIf", "skipUnless", "expectedFailure",
        "freeze_time", "freezegun.freeze_time", "functools.wraps", "wraps", "override_settings",
        "flaky", NULL};
    for (size_t i = 0; harmless[i]; i++)
        if (!strcmp(buf, harmless[i]))
            return DECO_HARMLESS;
    return DECO_UNKNOWN;
}

static deco_kind classify_decorator(const struct ctx *c, TSNode decorator, TSNode *call_args)
{
    return classify_expression(c, dump_first_named(decorator), call_args);
}

/* A module-level function's decorator: also a name the module binds once to
 * a mark (`slow = pytest.mark.skipif(...)`, then `@slow`). In a class body
 * the class's own names would come first. */
static deco_kind classify_test_decorator(const struct ctx *c, TSNode decorator, TSNode *call_args, int is_method)
{
    deco_kind kind = classify_decorator(c, decorator, call_args);
    TSNode expr = dump_first_named(decorator);
    if (kind != DECO_UNKNOWN || is_method || !is(expr, "identifier") || !c->params || !c->params->resolve)
        return kind;
    TSNode value = c->params->resolve(c->params->data, expr);
    char buf[128];
    if (ts_node_is_null(value) || !expression_name(c, value, buf))
        return kind;
    const char *mark = !strncmp(buf, "pytest.mark.", 12) ? buf + 12 : !strncmp(buf, "mark.", 5) ? buf + 5 : NULL;
    /* anyio's mark makes IDs through its plugin (is_anyio_mark) */
    return mark && strcmp(mark, "anyio") ? classify_expression(c, value, call_args) : kind;
}

/* Whether the decorator is anyio's mark (pytest.mark.anyio), which its
 * plugin reads (collect_anyio_requests_backend). */
static int is_anyio_mark(const struct ctx *c, TSNode decorator)
{
    TSNode expr;
    char buf[128];
    return decorator_name(c, decorator, buf, &expr) &&
           (!strcmp(buf, "pytest.mark.anyio") || !strcmp(buf, "mark.anyio"));
}

/* Whether the folder `dir` ("" = the root) holds `relpath`. */
static int in_scope(const char *dir, const char *relpath)
{
    size_t n = strlen(dir);
    if (n == 0)
        return 1;
    return !strncmp(dir, relpath, n) && (relpath[n] == '/' || relpath[n] == '\0'); /* below it, or itself */
}

/* Whether a fixture name requested through usefixtures / arguments is one
 * whose value is parametrized somewhere in the project. */
static int param_fixture(const struct ctx *c, const char *name, size_t len)
{
    return strvec_contains_n(&c->facts->param_fixtures, name, len);
}

/* Whether a guarded pytest_generate_tests tests for the name: it may add
 * parametrizations beside the test's own (collect_generate.c). */
static int generated(const struct ctx *c, const char *name, size_t len)
{
    return strvec_contains_n(&c->facts->generated, name, len);
}

static int usefixtures_parametrized(const struct ctx *c, TSNode args)
{
    if (ts_node_is_null(args))
        return 0;
    uint32_t n = ts_node_named_child_count(args);
    for (uint32_t i = 0; i < n; i++) {
        TSNode a = ts_node_named_child(args, i);
        if (ts_node_is_extra(a)) /* a comment or a backslash continuation */
            continue;
        if (!is(a, "string"))
            return 1; /* not a literal name: cannot tell */
        size_t len;
        const char *t = text(c, a, &len);
        if (len >= 2 && param_fixture(c, t + 1, len - 2))
            return 1;
    }
    return 0;
}

/* ---- the items ----------------------------------------------------------------- */

/* Parametrization inherited from enclosing classes (their decorators). */
struct outer {
    strvec ids;             /* combined IDs so far (none: not parametrized) */
    param_status status;
    const char *unknown;    /* why every test inside is a PREFIX, or NULL */
    strvec marked, direct;  /* names their parametrize marks set (direct:
                               without indirect=True) */
    int names_unread;       /* a mark whose names or indirect= were not read */
    int anyio;              /* marked anyio (a decorator or pytestmark) */
};

/* A copy of `from` whose own state goes to `to` (zeroed by the caller). */
static int outer_copy(struct outer *to, const struct outer *from)
{
    to->status = from->status;
    to->unknown = from->unknown;
    to->names_unread = from->names_unread;
    to->anyio = from->anyio;
    int rc = param_ids_combine(&to->ids, &from->ids);
    for (size_t i = 0; i < from->marked.n && !rc; i++)
        rc = strvec_push(&to->marked, from->marked.v[i]);
    for (size_t i = 0; i < from->direct.n && !rc; i++)
        rc = strvec_push(&to->direct, from->direct.v[i]);
    return rc;
}

static void outer_free(struct outer *o)
{
    strvec_free(&o->ids);
    strvec_free(&o->marked);
    strvec_free(&o->direct);
}

/* Adds the names one parametrize mark (its arguments `args`) sets to
 * `marked`, and to `direct` unless indirect=True. 0, or -1 when they cannot
 * be read. */
static int mark_names(const struct ctx *c, TSNode args, strvec *marked, strvec *direct)
{
    strvec these = {0};
    int indirect, rc = param_mark_names(&these, &indirect, args, c->params);
    for (size_t i = 0; i < these.n && !rc; i++)
        rc = strvec_push(marked, these.v[i]) || (!indirect && strvec_push(direct, these.v[i])) ? -1 : 0;
    strvec_free(&these);
    return rc;
}

static int add(const struct ctx *c, const char *nodeid, tmd_collect_kind kind, const char *why,
               const strvec *expect)
{
    return item_list_add(c->out, nodeid, strlen(nodeid), kind, why, expect);
}

/* The prefix `id` (the test) expecting `id[x]` for each x of `ids`. */
static int add_expecting(const struct ctx *c, tmd_buf *id, const strvec *ids, const char *why)
{
    strvec expect = {0};
    size_t base = id->len;
    int rc = 0;
    for (size_t i = 0; i < ids->n && !rc; i++) {
        tmd_buf_truncate(id, base);
        tmd_buf_printf(id, "[%s]", ids->v[i]);
        rc = id->oom ? TMD_ENOMEM : strvec_push(&expect, id->data);
    }
    tmd_buf_truncate(id, base);
    if (!rc)
        rc = add(c, id->data, TMD_COLLECT_PREFIX, why, &expect);
    strvec_free(&expect);
    return rc;
}

/* Whether one of the decorators of `def_stmt` is `@staticmethod`: pytest
 * then takes the method's first parameter for a fixture, not for self. */
static int is_staticmethod(const struct ctx *c, TSNode def_stmt)
{
    if (!is(def_stmt, "decorated_definition"))
        return 0;
    uint32_t n = ts_node_named_child_count(def_stmt);
    for (uint32_t i = 0; i < n; i++) {
        TSNode d = ts_node_named_child(def_stmt, i);
        if (is(d, "decorator") && text_is(c, dump_first_named(d), "staticmethod"))
            return 1;
    }
    return 0;
}

/* Whether a parametrize mark of the test (`direct`) or of its classes sets
 * the argument directly: pytest then never looks up the fixture. */
static int set_directly(const strvec *direct, const struct outer *outer, int names_unread, const char *name,
                        size_t len)
{
    return !names_unread && (strvec_contains_n(direct, name, len) || strvec_contains_n(&outer->direct, name, len));
}

/* A test function (or method): its items under `prefix` ("file::" or
 * "file::Class::"). `def_stmt` is the statement (maybe decorated). */
static int function_items(const struct ctx *c, const char *prefix, TSNode def_stmt,
                          const struct outer *outer, int is_method)
{
    TSNode fn = definition_of(def_stmt);
    size_t nlen;
    const char *name = text(c, field(fn, name), &nlen);
    tmd_buf id = TMD_BUF_INIT;
    put_id(c, &id, prefix, name, nlen);
    if (id.oom)
        return TMD_ENOMEM;
    const char *unknown = outer->unknown ? outer->unknown : c->module_unknown;
    strvec ids = {0}, own = {0}, fixtures = {0}; /* fixtures: requested ones that reach params= */
    strvec marked = {0}, direct = {0}, fids = {0};  /* names the marks set; the fixtures' IDs */
    param_status status = PARAM_EXACT;
    int rc = 0, names_unread = outer->names_unread, anyio = outer->anyio || c->anyio_module;

    /* decorators, closest to the def first: pytest applies them bottom-up */
    if (is(def_stmt, "decorated_definition")) {
        uint32_t n = ts_node_named_child_count(def_stmt);
        for (uint32_t k = n; k-- > 0;) {
            TSNode d = ts_node_named_child(def_stmt, k);
            if (!is(d, "decorator"))
                continue;
            TSNode args;
            deco_kind kind = classify_test_decorator(c, d, &args, is_method);
            if (kind == DECO_FIXTURE)
                goto done; /* a fixture, not a test */
            anyio |= is_anyio_mark(c, d);
            if (kind == DECO_UNKNOWN && !unknown)
                unknown = "unknown decorator";
            if (kind == DECO_USEFIXTURES && usefixtures_parametrized(c, args) && !unknown)
                unknown = "fixture params";
            if (kind == DECO_PARAMETRIZE && !unknown) {
                strvec one = {0};
                param_status s = c->facts->make_id_hook ? PARAM_UNKNOWN
                                                        : param_ids_of_call(&one, args, c->params, c->cfg->raw_ids);
                if (s == PARAM_UNKNOWN)
                    unknown = c->facts->make_id_hook ? "pytest_make_parametrize_id" : "parametrize";
                else {
                    if (s > status)
                        status = s;
                    if (param_ids_combine(&own, &one))
                        rc = TMD_ENOMEM;
                    if (mark_names(c, args, &marked, &direct))
                        names_unread = 1;
                }
                strvec_free(&one);
            }
        }
    }
    /* anyio's plugin adds anyio_backend to a marked coroutine's usefixtures,
     * which pytest requests before the arguments */
    if (!unknown && collect_anyio_requests_backend(anyio, fn))
        rc = strvec_push(&fixtures, "anyio_backend");
    /* arguments that name a parametrized fixture */
    int has_self = is_method && !is_staticmethod(c, def_stmt);
    TSNode params = field(fn, parameters);
    uint32_t np = ts_node_named_child_count(params);
    for (uint32_t k = 0, nth = 0; k < np && !unknown; k++) {
        TSNode p = ts_node_named_child(params, k);
        if (ts_node_is_extra(p))
            continue; /* a comment or a backslash continuation */
        int first = nth++ == 0;
        if (is(p, "typed_parameter"))
            p = ts_node_named_child(p, 0);
        if (!is(p, "identifier"))
            continue; /* defaults, *args, **kwargs are not fixtures */
        if (has_self && first)
            continue; /* self / cls */
        size_t pl;
        const char *pn = text(c, p, &pl), *why;
        if (generated(c, pn, pl))
            unknown = "pytest_generate_tests";
        else if (!set_directly(&direct, outer, names_unread, pn, pl) && (why = bound_here(c, pn, pl)))
            unknown = why; /* a mark setting it directly leaves the fixture unused */
        else if (param_fixture(c, pn, pl))
            rc = strvec_push_n(&fixtures, pn, pl);
    }
    /* the fixtures' params= (pytest applies them before the marks): IDs
     * that only ever make an expectation, so a database holding exactly
     * those has no new test here */
    if (!rc && !unknown && fixtures.n) {
        for (size_t i = 0; i < outer->marked.n && !rc; i++)
            rc = strvec_push(&marked, outer->marked.v[i]);
        for (size_t i = 0; i < outer->direct.n && !rc; i++)
            rc = strvec_push(&direct, outer->direct.v[i]);
        int known = 0;
        if (!rc && !names_unread && !c->cfg->raw_ids && !c->facts->make_id_hook)
            known = fixture_param_ids(&fids, c->facts, c->relpath, &fixtures, &marked, &direct);
        if (known < 0)
            rc = known;
        else if (!known)
            unknown = "fixture params";
    }
    if (rc)
        goto done;
    if (unknown) {
        rc = add(c, id.data, TMD_COLLECT_PREFIX, unknown, NULL);
        goto done;
    }
    /* the fixtures', then own parametrizations, then the classes' (inner to outer) */
    if (param_ids_combine(&ids, &fids) || param_ids_combine(&ids, &own) || param_ids_combine(&ids, &outer->ids)) {
        rc = TMD_ENOMEM;
        goto done;
    }
    if (outer->status > status)
        status = outer->status;
    if (fids.n) {
        rc = add_expecting(c, &id, &ids, "fixture params");
    } else if (ids.n == 0) {
        rc = add(c, id.data, TMD_COLLECT_EXACT, NULL, NULL);
    } else if (status == PARAM_EXACT) {
        size_t base = id.len;
        for (size_t i = 0; i < ids.n && !rc; i++) {
            tmd_buf_truncate(&id, base);
            tmd_buf_printf(&id, "[%s]", ids.v[i]);
            rc = id.oom ? TMD_ENOMEM : add(c, id.data, TMD_COLLECT_EXACT, NULL, NULL);
        }
    } else {
        rc = add_expecting(c, &id, &ids, "parametrize over objects");
    }
done:
    strvec_free(&fixtures);
    strvec_free(&ids);
    strvec_free(&own);
    strvec_free(&marked);
    strvec_free(&direct);
    strvec_free(&fids);
    tmd_buf_free(&id);
    return rc;
}

/* ---- namespaces ----------------------------------------------------------------- */

typedef enum bind_kind { B_FUNC, B_CLASS, B_OTHER } bind_kind;

struct binding {
    const char *name; /* into src, or NFKC-normalised into namespace.names */
    size_t len;
    bind_kind kind;
    TSNode stmt;      /* the (decorated) definition for B_FUNC / B_CLASS */
    int conditional;  /* bound inside if/try/with/for/while */
    int imported;     /* bound by an import */
};

struct namespace {
    struct binding *v;
    size_t n, cap;
    size_t *slots;    /* hash index: 1 + position in v, 0 = empty */
    size_t nslots;    /* a power of two, at least twice n */
    int wildcard;     /* from x import * */
    int dynamic;      /* a statement may bind test names at runtime */
    strvec names;     /* normalised spellings of non-ASCII names */
};

static void ns_free(struct namespace *ns)
{
    free(ns->v);
    free(ns->slots);
    strvec_free(&ns->names);
    memset(ns, 0, sizeof *ns);
}

static size_t ns_hash(const char *name, size_t len)
{
    size_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)name[i]) * 1099511628211ULL;
    return h;
}

/* The slot holding `name`, or the empty slot where it would go. */
static size_t *ns_slot(const struct namespace *ns, const char *name, size_t len)
{
    size_t mask = ns->nslots - 1;
    for (size_t i = ns_hash(name, len) & mask;; i = (i + 1) & mask) {
        size_t *slot = &ns->slots[i];
        if (!*slot)
            return slot;
        const struct binding *b = &ns->v[*slot - 1];
        if (b->len == len && !memcmp(b->name, name, len))
            return slot;
    }
}

static int ns_grow_index(struct namespace *ns)
{
    size_t nslots = ns->nslots ? 2 * ns->nslots : 64;
    size_t *slots = calloc(nslots, sizeof *slots);
    if (!slots)
        return TMD_ENOMEM;
    free(ns->slots);
    ns->slots = slots;
    ns->nslots = nslots;
    for (size_t i = 0; i < ns->n; i++)
        *ns_slot(ns, ns->v[i].name, ns->v[i].len) = i + 1;
    return 0;
}

/* The name Python binds: CPython NFKC-normalises non-ASCII identifiers
 * (`te\u017ft_x` is `test_x`, which python_functions matches). Into `tmp`
 * when it differs; unchanged when it cannot be normalised (put_id flags it). */
static void python_name(tmd_buf *tmp, const char **name, size_t *len)
{
    size_t i = 0;
    while (i < *len && (unsigned char)(*name)[i] < 0x80)
        i++;
    if (i == *len)
        return;
    static const tmd_dialect newest = {13, -1};
    char why[LIT_WHY_SIZE];
    if (lit_identifier(tmp, *name, *len, &newest, why) == LIT_OK && !tmp->oom) {
        *name = tmp->data;
        *len = tmp->len;
    }
}

static int ns_bind(struct namespace *ns, const char *name, size_t len, bind_kind kind, TSNode stmt,
                   int conditional, int imported)
{
    tmd_buf tmp = TMD_BUF_INIT;
    python_name(&tmp, &name, &len);
    if (tmp.len) { /* kept for the namespace's life */
        int rc = strvec_push_n(&ns->names, tmp.data, tmp.len);
        tmd_buf_free(&tmp);
        if (rc)
            return TMD_ENOMEM;
        name = ns->names.v[ns->names.n - 1];
    }
    if (2 * (ns->n + 1) > ns->nslots && ns_grow_index(ns))
        return TMD_ENOMEM;
    size_t *slot = ns_slot(ns, name, len);
    if (*slot) {
        struct binding *b = &ns->v[*slot - 1];
        /* a later binding replaces the earlier one; conditional ones
         * leave it uncertain which survives */
        int cond = conditional || b->conditional;
        *b = (struct binding){name, len, kind, stmt, cond, imported};
        return 0;
    }
    if (ns->n == ns->cap) {
        size_t cap = ns->cap ? 2 * ns->cap : 32;
        struct binding *g = realloc(ns->v, cap * sizeof *g);
        if (!g)
            return TMD_ENOMEM;
        ns->v = g;
        ns->cap = cap;
    }
    ns->v[ns->n++] = (struct binding){name, len, kind, stmt, conditional, imported};
    *slot = ns->n;
    return 0;
}

static const struct binding *ns_find(const struct namespace *ns, const char *name, size_t len)
{
    if (!ns->nslots)
        return NULL;
    tmd_buf tmp = TMD_BUF_INIT;
    python_name(&tmp, &name, &len);
    size_t *slot = ns_slot(ns, name, len);
    tmd_buf_free(&tmp);
    return *slot ? &ns->v[*slot - 1] : NULL;
}

/* The identifiers an assignment target binds (in tuples, lists, starred
 * or parenthesised targets), up to 256. */
static size_t target_identifiers(TSNode target, TSNode out[256])
{
    TSNode stack[64];
    int sp = 0;
    size_t n = 0;
    stack[sp++] = target;
    while (sp > 0) {
        TSNode t = stack[--sp];
        if (is(t, "identifier")) {
            if (n < 256)
                out[n++] = t;
        } else if (is(t, "pattern_list") || is(t, "tuple_pattern") || is(t, "list_pattern") ||
                   is(t, "list_splat_pattern") || is(t, "parenthesized_expression") ||
                   is(t, "tuple") || is(t, "list")) {
            uint32_t k = ts_node_named_child_count(t);
            for (uint32_t i = 0; i < k && sp < 64; i++)
                stack[sp++] = ts_node_named_child(t, i);
        }
    }
    return n;
}

/* Names bound by an assignment target. */
static int bind_targets(const struct ctx *c, struct namespace *ns, TSNode target, int conditional)
{
    TSNode ids[256];
    size_t n = target_identifiers(target, ids);
    for (size_t i = 0; i < n; i++) {
        size_t len;
        const char *nm = text(c, ids[i], &len);
        if (ns_bind(ns, nm, len, B_OTHER, ids[i], conditional, 0))
            return TMD_ENOMEM;
    }
    return 0;
}

/* Whether a module- or class-level statement may bind names pytest would
 * collect at runtime: globals()[...] = ..., setattr(...), exec(...),
 * TestX.test_y = ... (text matches stay on the safe side). */
static int binds_at_runtime(const struct ctx *c, TSNode stmt)
{
    size_t len;
    const char *t = text(c, stmt, &len);
    if (runtime_binding_text(t, len))
        return 1;
    uint32_t n = ts_node_named_child_count(stmt);
    for (uint32_t k = 0; k < n; k++) {
        TSNode e = ts_node_named_child(stmt, k);
        for (; is(e, "assignment") || is(e, "augmented_assignment"); e = field(e, right)) {
            TSNode left = field(e, left);
            if (!is(left, "attribute"))
                continue;
            const char *a = text(c, field(left, attribute), &len);
            if (pytest_name_matches(&c->cfg->python_functions, a, len) ||
                pytest_name_matches(&c->cfg->python_classes, a, len))
                return 1;
        }
    }
    return 0;
}

/* Reads the bindings of a module or class body (one level; compound
 * statements' blocks are walked with an explicit stack, bindings there being
 * conditional). */
static int read_namespace(const struct ctx *c, struct namespace *ns, TSNode body)
{
    struct item { TSNode block; int conditional; } stack[128];
    int sp = 0;
    stack[sp++] = (struct item){body, 0};
    while (sp > 0) {
        struct item it = stack[--sp];
        uint32_t n;
        TSNode *kids = named_children(it.block, &n);
        if (!kids)
            return TMD_ENOMEM;
        for (uint32_t i = 0; i < n; i++) {
            TSNode s = kids[i];
            const char *type = ts_node_type(s);
            TSNode def = definition_of(s);
            int rc = 0;
            if (is(def, "function_definition") || is(def, "class_definition")) {
                size_t len;
                const char *nm = text(c, field(def, name), &len);
                rc = ns_bind(ns, nm, len, is(def, "class_definition") ? B_CLASS : B_FUNC, s,
                             it.conditional, 0);
            } else if (!strcmp(type, "expression_statement")) {
                ns->dynamic |= binds_at_runtime(c, s);
                uint32_t m = ts_node_named_child_count(s);
                for (uint32_t k = 0; k < m && !rc; k++) {
                    TSNode e = ts_node_named_child(s, k);
                    while (is(e, "assignment") || is(e, "augmented_assignment")) {
                        rc = bind_targets(c, ns, field(e, left), it.conditional);
                        e = field(e, right); /* a = b = value */
                        if (rc)
                            break;
                    }
                }
            } else if (!strcmp(type, "import_from_statement") || !strcmp(type, "import_statement")) {
                TSNode from = field(s, module_name);
                if (text_is(c, from, "unittest") || text_is(c, from, "pytest") ||
                    text_is(c, from, "unittest.mock"))
                    continue; /* TestCase & co.: collected empty, nothing to list */
                uint32_t m = ts_node_named_child_count(s);
                for (uint32_t k = 0; k < m && !rc; k++) {
                    TSNode nm = ts_node_named_child(s, k);
                    if (is(nm, "wildcard_import")) {
                        ns->wildcard = 1;
                        continue;
                    }
                    if (ts_node_eq(nm, field(s, module_name)))
                        continue;
                    TSNode bound = is(nm, "aliased_import") ? field(nm, alias) : nm;
                    if (is(bound, "dotted_name"))
                        bound = !strcmp(type, "import_statement") ? ts_node_named_child(bound, 0)
                                                                   : ts_node_named_child(bound, ts_node_named_child_count(bound) - 1);
                    if (!is(bound, "identifier"))
                        continue;
                    size_t len;
                    const char *t = text(c, bound, &len);
                    rc = ns_bind(ns, t, len, B_OTHER, nm, it.conditional, 1);
                }
            } else if (!strcmp(type, "delete_statement")) {
                rc = bind_targets(c, ns, ts_node_named_child(s, 0), 1);
            } else if (!strcmp(type, "if_statement") && is_main_guard(c->src, s)) {
                continue; /* never runs on import */
            } else if (!strcmp(type, "if_statement") || !strcmp(type, "try_statement") ||
                       !strcmp(type, "with_statement") || !strcmp(type, "for_statement") ||
                       !strcmp(type, "while_statement") || !strcmp(type, "match_statement")) {
                /* every block below this statement, at any clause depth */
                TSNode sub[64];
                int ssp = 0;
                sub[ssp++] = s;
                while (ssp > 0) {
                    TSNode x = sub[--ssp];
                    uint32_t xm = ts_node_named_child_count(x);
                    for (uint32_t k = 0; k < xm; k++) {
                        TSNode ch = ts_node_named_child(x, k);
                        if (is(ch, "block")) {
                            if (sp >= 128) {
                                free(kids);
                                return TMD_EINVAL;
                            }
                            stack[sp++] = (struct item){ch, 1};
                        } else if (strstr(ts_node_type(ch), "clause") && ssp < 64) {
                            sub[ssp++] = ch;
                        }
                    }
                }
                if (!strcmp(type, "for_statement") || !strcmp(type, "with_statement"))
                    rc = bind_targets(c, ns, field(s, left), 1);
            }
            if (rc) {
                free(kids);
                return rc;
            }
        }
        free(kids);
    }
    return 0;
}

static int name_matches(const strvec *patterns, const char *name, size_t len)
{
    return pytest_name_matches(patterns, name, len);
}

/* ---- classes ------------------------------------------------------------------------ */

static int has_member(const struct namespace *ns, const char *name)
{
    return ns_find(ns, name, strlen(name)) != NULL;
}

/* Whether a module's own pytest_generate_tests is a plain definition that
 * acts only for the names it tests for (collect_scan_fixtures listed them). */
static int guarded_hook(const struct ctx *c, const struct binding *hook)
{
    return hook->kind == B_FUNC && !hook->conditional && !hook->imported &&
           generate_hook_guards(NULL, c->src, definition_of(hook->stmt)) == 1;
}

/* A class statement: reads its decorators into `out` (parametrize,
 * usefixtures, unknown ones). */
static void class_marks(const struct ctx *c, TSNode stmt, struct outer *out)
{
    if (!is(stmt, "decorated_definition"))
        return;
    uint32_t n = ts_node_named_child_count(stmt);
    for (uint32_t k = n; k-- > 0;) {
        TSNode d = ts_node_named_child(stmt, k);
        if (!is(d, "decorator"))
            continue;
        TSNode args;
        deco_kind kind = classify_decorator(c, d, &args);
        out->anyio |= is_anyio_mark(c, d);
        if (kind == DECO_UNKNOWN || kind == DECO_FIXTURE) {
            out->unknown = out->unknown ? out->unknown : "unknown class decorator";
        } else if (kind == DECO_USEFIXTURES && usefixtures_parametrized(c, args)) {
            out->unknown = out->unknown ? out->unknown : "fixture params";
        } else if (kind == DECO_PARAMETRIZE && !out->unknown) {
            strvec one = {0};
            param_status s = c->facts->make_id_hook ? PARAM_UNKNOWN
                                                    : param_ids_of_call(&one, args, c->params, c->cfg->raw_ids);
            if (s == PARAM_UNKNOWN)
                out->unknown = "parametrize";
            else {
                if (s > out->status)
                    out->status = s;
                /* class marks apply after the method's own */
                strvec merged = {0};
                param_ids_combine(&merged, &one);
                param_ids_combine(&merged, &out->ids);
                strvec_free(&out->ids);
                out->ids = merged;
                if (mark_names(c, args, &out->marked, &out->direct))
                    out->names_unread = 1;
            }
            strvec_free(&one);
        }
    }
}

/* The statement binding `pytestmark` in the module or class body `ns`:
 * its text, or "" (len 0) where it is bound otherwise; NULL: not bound. */
static const char *pytestmark_text(const struct ctx *c, const struct namespace *ns, size_t *len)
{
    const struct binding *b = ns_find(ns, "pytestmark", 10);
    if (!b)
        return NULL;
    TSNode stmt = ts_node_parent(b->stmt);
    while (!ts_node_is_null(stmt) && !is(stmt, "expression_statement"))
        stmt = ts_node_parent(stmt);
    *len = 0;
    return ts_node_is_null(stmt) ? "" : text(c, stmt, len);
}

/* Whether the module or class body `ns` marks its tests anyio through
 * pytestmark. */
static int pytestmark_names_anyio(const struct ctx *c, const struct namespace *ns)
{
    size_t len;
    const char *t = pytestmark_text(c, ns, &len);
    return t && memmem(t, len, "anyio", 5);
}

/* Whether a `pytestmark = ...` or class-level value parametrizes. */
static const char *pytestmark_effect(const struct ctx *c, const struct namespace *ns)
{
    size_t len;
    const char *t = pytestmark_text(c, ns, &len);
    if (!t)
        return NULL;
    if (!len)
        return "pytestmark";
    if (memmem(t, len, "parametrize", 11) || memmem(t, len, "usefixtures", 11) || memmem(t, len, "repeat", 6) ||
        memmem(t, len, "golden_test", 11))
        return "pytestmark";
    return NULL;
}

enum { MAX_CLASS_DEPTH = 32 };

static int is_unittest_base(const struct ctx *c, TSNode base)
{
    return text_is(c, base, "unittest.TestCase") || text_is(c, base, "unittest.IsolatedAsyncioTestCase") ||
           (c->unittest_names && (text_is(c, base, "TestCase") || text_is(c, base, "IsolatedAsyncioTestCase")));
}

/* The class bodies whose members a class sees: its own, then local bases'
 * (depth first). Returns 0, or a reason the members cannot be known. */
static const char *class_chain(const struct ctx *c, const struct namespace *module, TSNode cls,
                               TSNode *chain, int *nchain, int *unittest)
{
    *nchain = 0;
    *unittest = 0;
    TSNode work[MAX_CLASS_DEPTH];
    int wn = 0;
    work[wn++] = cls;
    while (wn > 0) {
        TSNode k = work[--wn];
        if (*nchain >= MAX_CLASS_DEPTH)
            return "class hierarchy too deep";
        chain[(*nchain)++] = k;
        TSNode supers = field(k, superclasses);
        if (ts_node_is_null(supers))
            continue;
        uint32_t n = ts_node_named_child_count(supers);
        int local_bases = 0;
        TSNode pending[MAX_CLASS_DEPTH];
        int pn = 0;
        for (uint32_t i = 0; i < n; i++) {
            TSNode b = ts_node_named_child(supers, i);
            if (ts_node_is_extra(b)) /* a comment or a backslash continuation */
                continue;
            if (is(b, "keyword_argument") || is(b, "list_splat") || is(b, "dictionary_splat"))
                return "metaclass or computed bases";
            if (text_is(c, b, "object"))
                continue;
            if (is_unittest_base(c, b)) {
                *unittest = 1;
                continue;
            }
            size_t len;
            const char *nm = text(c, b, &len);
            const struct binding *lb = is(b, "identifier") ? ns_find(module, nm, len) : NULL;
            if (!lb || lb->kind != B_CLASS || lb->conditional)
                return "base class defined elsewhere";
            if (++local_bases > 1)
                return "multiple inheritance";
            if (pn < MAX_CLASS_DEPTH)
                pending[pn++] = definition_of(lb->stmt);
        }
        for (int i = pn; i-- > 0;)
            if (wn < MAX_CLASS_DEPTH)
                work[wn++] = pending[i];
    }
    return NULL;
}

/* Members of a class with its local bases: own first, first binding wins. */
static int class_members(const struct ctx *c, struct namespace *members, TSNode *chain, int nchain)
{
    for (int i = 0; i < nchain; i++) {
        struct namespace one = {0};
        int rc = read_namespace(c, &one, field(chain[i], body));
        members->dynamic |= one.dynamic; /* a base's runtime names are inherited */
        for (size_t k = 0; k < one.n && !rc; k++)
            if (!ns_find(members, one.v[k].name, one.v[k].len))
                rc = ns_bind(members, one.v[k].name, one.v[k].len, one.v[k].kind, one.v[k].stmt,
                             one.v[k].conditional, one.v[k].imported);
        /* the normalised names the copied bindings point to move along */
        for (size_t k = 0; k < one.names.n && !rc; k++)
            if (!(rc = strvec_adopt(&members->names, one.names.v[k])))
                one.names.v[k] = NULL;
        ns_free(&one);
        if (rc)
            return rc;
    }
    return 0;
}

/* `__test__ = False` in a class body. Returns 1 false, 0 absent, -1 other. */
static int dunder_test(const struct ctx *c, const struct namespace *members)
{
    const struct binding *b = ns_find(members, "__test__", 8);
    if (!b)
        return 0;
    TSNode asg = ts_node_parent(b->stmt);
    if (is(asg, "assignment") && text_is(c, field(asg, right), "False") && !b->conditional)
        return 1;
    return -1;
}

/* Whether a class body itself defines test* methods (unittest's rule). */
static int own_test_methods(const struct ctx *c, TSNode cls)
{
    struct namespace own = {0};
    int found = 0;
    if (read_namespace(c, &own, field(cls, body)) == 0)
        for (size_t i = 0; i < own.n && !found; i++)
            found = own.v[i].kind == B_FUNC && own.v[i].len >= 4 && !memcmp(own.v[i].name, "test", 4);
    ns_free(&own);
    return found;
}

struct class_job {
    TSNode stmt;        /* the (decorated) class statement */
    char *prefix;       /* "file::Outer::" */
    struct outer outer;
    int depth;
};

/* Whether a name bound by `name = <display or literal>` (a number, string,
 * None, a list, dict, tuple or set, a comprehension): never callable, so
 * pytest and unittest pass it by (test_cases = [...] is data, not a test).
 * An annotation without a value binds nothing. */
static int bound_to_plain_value(const struct binding *b)
{
    static const char *const plain[] = {
        "integer", "float", "string", "concatenated_string", "true", "false", "none", "list",
        "tuple", "dictionary", "set", "list_comprehension", "dictionary_comprehension",
        "set_comprehension", "generator_expression", NULL};
    if (b->kind != B_OTHER || b->imported || !is(b->stmt, "identifier"))
        return 0;
    TSNode asg = ts_node_parent(b->stmt);
    if (!is(asg, "assignment") || !ts_node_eq(field(asg, left), b->stmt))
        return 0;
    TSNode value = field(asg, right);
    while (is(value, "assignment")) /* a = b = [] */
        value = field(value, right);
    if (ts_node_is_null(value))
        return !ts_node_is_null(field(asg, type));
    for (size_t i = 0; plain[i]; i++)
        if (is(value, plain[i]))
            return 1;
    return 0;
}

static int unittest_items(const struct ctx *c, const char *prefix, const struct namespace *members)
{
    int found = 0, rc = 0;
    for (size_t i = 0; i < members->n && !rc; i++) {
        const struct binding *b = &members->v[i];
        if (b->len < 4 || memcmp(b->name, "test", 4) || bound_to_plain_value(b))
            continue;
        tmd_buf id = TMD_BUF_INIT;
        put_id(c, &id, prefix, b->name, b->len);
        if (b->kind == B_FUNC && !b->conditional)
            rc = add(c, id.data, TMD_COLLECT_EXACT, NULL, NULL);
        else
            rc = add(c, id.data, TMD_COLLECT_PREFIX, "bound at runtime", NULL);
        tmd_buf_free(&id);
        found = 1;
    }
    if (!found && !rc && has_member(members, "runTest")) {
        tmd_buf id = TMD_BUF_INIT;
        tmd_buf_printf(&id, "%srunTest", prefix);
        rc = add(c, id.data, TMD_COLLECT_EXACT, NULL, NULL);
        tmd_buf_free(&id);
    }
    return rc;
}

static void job_free(struct class_job *j)
{
    free(j->prefix);
    outer_free(&j->outer);
}

/* A class and its nested classes, with an explicit work list. */
static int class_items(const struct ctx *c, const struct namespace *module, TSNode stmt,
                       const char *file_prefix, int top_unittest_only)
{
    struct class_job *jobs = calloc(256, sizeof *jobs);
    if (!jobs)
        return TMD_ENOMEM;
    int nj = 0, rc = 0;
    jobs[nj].stmt = stmt;
    jobs[nj].prefix = strdup(file_prefix);
    nj++;
    int first = 1;
    while (nj > 0 && !rc) {
        struct class_job job = jobs[--nj];
        TSNode cls = definition_of(job.stmt);
        size_t nlen;
        const char *name = text(c, field(cls, name), &nlen);
        tmd_buf prefix = TMD_BUF_INIT;
        put_id(c, &prefix, job.prefix ? job.prefix : "", name, nlen);
        TSNode chain[MAX_CLASS_DEPTH];
        int nchain, unittest;
        const char *why = class_chain(c, module, cls, chain, &nchain, &unittest);
        struct namespace members = {0};
        if (!why)
            rc = class_members(c, &members, chain, nchain);
        int is_first = first;
        first = 0;
        if (rc || prefix.oom) {
            rc = rc ? rc : TMD_ENOMEM;
        } else if (is_first && top_unittest_only && !unittest && !why) {
            /* not a TestCase and not named like a test class */
        } else if (is_first && top_unittest_only && !unittest && !own_test_methods(c, cls)) {
            /* with bases elsewhere it may inherit a TestCase's tests */
            rc = add(c, prefix.data, TMD_COLLECT_PREFIX, TMD_COLLECT_WHY_MAYBE_TESTCASE, NULL);
        } else if (why) {
            rc = add(c, prefix.data, TMD_COLLECT_PREFIX, why, NULL);
        } else if (job.depth > MAX_CLASS_DEPTH) {
            rc = add(c, prefix.data, TMD_COLLECT_PREFIX, "class nesting too deep", NULL);
        } else if (dunder_test(c, &members) == 1) {
            /* __test__ = False: not collected */
        } else if (dunder_test(c, &members) < 0 || members.wildcard || members.dynamic) {
            rc = add(c, prefix.data, TMD_COLLECT_PREFIX,
                     members.dynamic ? "names bound at runtime" : "__test__ set at runtime", NULL);
        } else if (has_member(&members, "__init_subclass__")) {
            /* a base's hook may add test methods to this class */
            rc = add(c, prefix.data, TMD_COLLECT_PREFIX, "__init_subclass__", NULL);
        } else if (unittest) {
            tmd_buf_puts(&prefix, "::");
            rc = prefix.oom ? TMD_ENOMEM : unittest_items(c, prefix.data, &members);
        } else if (has_member(&members, "__init__") || has_member(&members, "__new__")) {
            /* pytest warns and skips classes with a constructor */
        } else {
            struct outer outer = {0};
            rc = outer_copy(&outer, &job.outer);
            /* a base's marks apply too (pytest reads them along the MRO,
             * the class's own first): the deepest base's first, as each
             * class's marks come before those read already */
            for (int i = nchain; i-- > 1;) {
                TSNode deco = ts_node_parent(chain[i]);
                if (is(deco, "decorated_definition"))
                    class_marks(c, deco, &outer);
            }
            class_marks(c, job.stmt, &outer);
            if (!outer.unknown)
                outer.unknown = pytestmark_effect(c, &members);
            outer.anyio |= pytestmark_names_anyio(c, &members);
            if (!outer.unknown && has_member(&members, "pytest_generate_tests"))
                outer.unknown = "pytest_generate_tests";
            tmd_buf_puts(&prefix, "::");
            for (size_t i = 0; i < members.n && !rc && !prefix.oom; i++) {
                const struct binding *b = &members.v[i];
                if (b->kind == B_CLASS && name_matches(&c->cfg->python_classes, b->name, b->len)) {
                    if (nj >= 256) {
                        rc = add(c, prefix.data, TMD_COLLECT_PREFIX, "too many nested classes", NULL);
                        break;
                    }
                    if (b->conditional) {
                        tmd_buf id = TMD_BUF_INIT;
                        put_id(c, &id, prefix.data, b->name, b->len);
                        rc = add(c, id.data, TMD_COLLECT_PREFIX, "conditional definition", NULL);
                        tmd_buf_free(&id);
                        continue;
                    }
                    struct class_job sub = {.stmt = b->stmt, .prefix = strdup(prefix.data), .depth = job.depth + 1};
                    jobs[nj++] = sub;
                    rc = outer_copy(&jobs[nj - 1].outer, &outer);
                    continue;
                }
                if (!name_matches(&c->cfg->python_functions, b->name, b->len) || bound_to_plain_value(b))
                    continue;
                if (b->kind == B_FUNC && !b->conditional) {
                    rc = function_items(c, prefix.data, b->stmt, &outer, 1);
                } else if (b->kind != B_CLASS) {
                    tmd_buf id = TMD_BUF_INIT;
                    put_id(c, &id, prefix.data, b->name, b->len);
                    rc = add(c, id.data, TMD_COLLECT_PREFIX,
                             b->conditional ? "conditional definition" : "bound at runtime", NULL);
                    tmd_buf_free(&id);
                }
            }
            outer_free(&outer);
        }
        ns_free(&members);
        tmd_buf_free(&prefix);
        job_free(&job);
    }
    while (nj > 0)
        job_free(&jobs[--nj]);
    free(jobs);
    return rc;
}

/* ---- module constants -------------------------------------------------------------- */

/* The names bound once, unconditionally, by `NAME = value` at module level
 * and never changed anywhere (no attribute or item access that could mutate,
 * no other binding, global, del or walrus): parametrize arguments written as
 * such names are read from their values. consts maps name -> value node. */
static int module_constants(const struct ctx *c, struct namespace *consts, const struct namespace *ns,
                            TSNode root)
{
    uint32_t n;
    TSNode *top = named_children(root, &n);
    if (!top)
        return TMD_ENOMEM;
    int rc = 0;
    /* candidates: top-level single-name assignments; a second binding of a
     * name marks it (conditional = 1) */
    for (uint32_t i = 0; i < n && !rc; i++) {
        if (!is(top[i], "expression_statement") || ts_node_named_child_count(top[i]) != 1)
            continue;
        TSNode a = ts_node_named_child(top[i], 0);
        if (!is(a, "assignment"))
            continue;
        TSNode left = field(a, left), right = field(a, right);
        if (!is(left, "identifier") || ts_node_is_null(right) || is(right, "assignment"))
            continue;
        size_t len;
        const char *nm = text(c, left, &len);
        const struct binding *prev = ns_find(consts, nm, len);
        const struct binding *final = ns_find(ns, nm, len);
        int bad = prev != NULL || !final || final->kind != B_OTHER || final->conditional || final->imported;
        rc = ns_bind(consts, nm, len, B_OTHER, bad ? left : right, bad, 0);
    }
    free(top);
    if (rc || consts->n == 0)
        return rc;
    /* every other occurrence of a candidate must be a plain read */
    TSTreeCursor cur = ts_tree_cursor_new(root);
    int down = 1;
    for (;;) {
        TSNode node = ts_tree_cursor_current_node(&cur);
        if (down && is(node, "identifier")) {
            size_t len;
            const char *nm = text(c, node, &len);
            struct binding *b = consts->nslots ? (struct binding *)ns_find(consts, nm, len) : NULL;
            if (b && !b->conditional) {
                TSNode parent = ts_node_parent(node);
                TSNode gp = ts_node_parent(parent);
                const char *pt = ts_node_type(parent);
                int is_def = is(parent, "assignment") && ts_node_eq(field(parent, right), b->stmt) &&
                             ts_node_eq(field(parent, left), node);
                int changes = 0;
                if (is_def)
                    changes = 0;
                else if (!strcmp(pt, "attribute"))
                    changes = ts_node_eq(field(parent, object), node); /* X.append(...) */
                else if (!strcmp(pt, "subscript"))
                    changes = (is(gp, "assignment") || is(gp, "augmented_assignment")) &&
                              ts_node_eq(field(gp, left), parent);
                else if (!strcmp(pt, "assignment") || !strcmp(pt, "augmented_assignment"))
                    changes = ts_node_eq(field(parent, left), node);
                else if (!strcmp(pt, "keyword_argument"))
                    changes = 0; /* f(X=...) names a parameter */
                else if (!strcmp(pt, "global_statement") || !strcmp(pt, "nonlocal_statement") ||
                         !strcmp(pt, "named_expression") || !strcmp(pt, "delete_statement") ||
                         !strcmp(pt, "pattern_list") || !strcmp(pt, "tuple_pattern") ||
                         !strcmp(pt, "list_pattern") || !strcmp(pt, "for_statement") ||
                         !strcmp(pt, "for_in_clause") || !strcmp(pt, "as_pattern_target") ||
                         !strcmp(pt, "with_item") || !strcmp(pt, "expression_list") ||
                         !strcmp(pt, "import_from_statement") || !strcmp(pt, "dotted_name") ||
                         !strcmp(pt, "aliased_import"))
                    changes = 1;
                if (changes)
                    b->conditional = 1;
            }
        }
        if (down && ts_tree_cursor_goto_first_child(&cur))
            continue;
        if (ts_tree_cursor_goto_next_sibling(&cur)) {
            down = 1;
            continue;
        }
        if (!ts_tree_cursor_goto_parent(&cur))
            break;
        down = 0;
    }
    ts_tree_cursor_delete(&cur);
    return 0;
}

/* The resolver's table: constants of one module and its source. */
struct const_table {
    struct namespace ns;
    const char *src;
};

static TSNode resolve_constant(const void *data, TSNode identifier)
{
    const struct const_table *t = data;
    TSNode null = {{0}, NULL, NULL};
    uint32_t start = ts_node_start_byte(identifier), end = ts_node_end_byte(identifier);
    const struct binding *b = ns_find(&t->ns, t->src + start, end - start);
    return b && !b->conditional ? b->stmt : null;
}

/* Why a fixture the module binds other than by `def` is beyond tmdiff (it
 * reads no module imported from here, no value assigned but data), or
 * NULL. */
static const char *bound_here(const struct ctx *c, const char *name, size_t len)
{
    const struct binding *b = c->ns ? ns_find(c->ns, name, len) : NULL;
    if (!b || (!b->imported && b->kind != B_OTHER))
        return NULL;
    if (b->imported)
        return "imported fixture";
    TSNode assign = ts_node_parent(b->stmt); /* rare: walks from the root */
    return is(assign, "assignment") && ts_node_eq(field(assign, left), b->stmt) && is_data(field(assign, right))
               ? NULL
               : "fixture bound at runtime";
}

/* Whether a module-level name not named like a test may still be bound to
 * a unittest.TestCase subclass, which pytest collects under any name: a
 * CapWords import (`from base import ApiTests`), a function a decorator of
 * unknown effect may replace (IPython's `@as_unittest`), a value computed
 * by a call or taken from elsewhere (`Alias = base.ApiTests`). Classes are
 * class_items'. */
static int may_be_testcase(const struct ctx *c, const struct binding *b)
{
    if (b->kind == B_CLASS || (b->len == 10 && !memcmp(b->name, "pytestmark", 10)) ||
        (b->len > 4 && !memcmp(b->name, "__", 2) && !memcmp(b->name + b->len - 2, "__", 2)))
        return 0; /* marks, and dunder names of the module (__all__, __version__) */
    if (b->imported)
        return isupper((unsigned char)b->name[0]);
    if (b->kind == B_FUNC) {
        TSNode stmt = b->stmt;
        if (!is(stmt, "decorated_definition"))
            return 0;
        uint32_t n = ts_node_named_child_count(stmt);
        for (uint32_t i = 0; i < n; i++) {
            TSNode d = ts_node_named_child(stmt, i), args;
            if (is(d, "decorator") && classify_decorator(c, d, &args) == DECO_UNKNOWN)
                return 1;
        }
        return 0;
    }
    if (bound_to_plain_value(b) || !is(b->stmt, "identifier"))
        return 0;
    TSNode asg = ts_node_parent(b->stmt);
    if (!is(asg, "assignment") || !ts_node_eq(field(asg, left), b->stmt))
        return 1; /* bound some other way: a for, with or walrus target */
    TSNode value = field(asg, right);
    return !is(value, "lambda");
}

/* ---- the module ------------------------------------------------------------------------ */

int scope_listed(const strvec *dirs, const char *relpath)
{
    for (size_t i = 0; i < dirs->n; i++)
        if (in_scope(dirs->v[i], relpath))
            return 1;
    return 0;
}

/* Whether the module sets __test__ to anything but False: `__test__ = True`
 * makes pytest collect a class or function whatever its name (nose style). */
static int sets_test_true(const char *src, size_t len)
{
    for (const char *at = src; (at = memmem(at, len - (size_t)(at - src), "__test__", 8)); at += 8) {
        const char *p = at + 8, *end = src + len;
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (p >= end || *p != '=' || (p + 1 < end && p[1] == '='))
            continue; /* read, not set */
        for (p++; p < end && (*p == ' ' || *p == '\t');)
            p++;
        if (end - p < 5 || memcmp(p, "False", 5))
            return 1;
    }
    return 0;
}

int collect_module(item_list *out, const char *relpath, const char *src, size_t len,
                   const pytest_config *cfg, const collect_facts *facts)
{
    if (parse_guard_too_deep(src, len)) /* tree-sitter would crash on it */
        return item_list_add(out, relpath, strlen(relpath), TMD_COLLECT_PREFIX, TMD_COLLECT_WHY_NO_PARSE, NULL);
    TSTree *tree = parse_guard_parse(src, len);
    if (!tree)
        return tmd_error(TMD_ENOMEM, "%s: tree-sitter could not parse (out of memory?)", relpath);
    TSNode root = ts_tree_root_node(tree);
    int rc = 0;
    if (ts_node_has_error(root)) {
        rc = item_list_add(out, relpath, strlen(relpath), TMD_COLLECT_PREFIX, TMD_COLLECT_WHY_NO_PARSE, NULL);
        parse_arena_tree_delete(tree);
        return rc;
    }
    if (scope_listed(&facts->uncertain_dirs, relpath)) {
        rc = item_list_add(out, relpath, strlen(relpath), TMD_COLLECT_PREFIX,
                           "conftest changes collection", NULL);
        parse_arena_tree_delete(tree);
        return rc;
    }
    int odd_name = 0;
    struct const_table consts = {{0}, src};
    param_ctx pc = {src, resolve_constant, &consts};
    struct ctx c = {src, relpath, cfg, facts, out, NULL, 0, &odd_name, &pc, NULL, 0, NULL};
    struct namespace ns = {0};
    c.ns = &ns;
    rc = read_namespace(&c, &ns, root);
    if (!rc && !ns.dynamic) {
        rc = module_binds_through_calls(src, len, root);
        ns.dynamic = rc == 1;
        rc = rc == 1 ? 0 : rc;
    }
    if (!rc)
        rc = module_constants(&c, &consts.ns, &ns, root);
    if (rc)
        goto done;
    /* `from unittest import TestCase` makes a bare TestCase base unittest's */
    uint32_t n;
    TSNode *top = named_children(root, &n);
    for (uint32_t i = 0; top && i < n; i++)
        if (is(top[i], "import_from_statement") && text_is(&c, field(top[i], module_name), "unittest"))
            c.unittest_names = 1;
    free(top);
    if (ns.wildcard || ns.dynamic || sets_test_true(src, len)) {
        rc = item_list_add(out, relpath, strlen(relpath), TMD_COLLECT_PREFIX,
                           ns.wildcard ? "wildcard import" : ns.dynamic ? "names bound at runtime"
                                                                        : "__test__ set", NULL);
        if (rc)
            goto done;
    }
    const struct binding *hook = ns_find(&ns, "pytest_generate_tests", 21);
    if ((hook && !guarded_hook(&c, hook)) || scope_listed(&facts->generate_dirs, relpath))
        c.module_unknown = "pytest_generate_tests";
    if (!c.module_unknown)
        c.module_unknown = pytestmark_effect(&c, &ns);
    c.anyio_module = pytestmark_names_anyio(&c, &ns);
    for (size_t i = 0; i < facts->autouse.n && !c.module_unknown; i++) {
        const char *scope = facts->autouse.v[i];
        const char *name = scope + strlen(scope) + 1;
        if (collect_sees(scope, strlen(scope), relpath) && param_fixture(&c, name, strlen(name)))
            c.module_unknown = "fixture params";
    }
    for (size_t i = 0; i < cfg->usefixtures.n && !c.module_unknown; i++)
        if (param_fixture(&c, cfg->usefixtures.v[i], strlen(cfg->usefixtures.v[i])))
            c.module_unknown = "fixture params";

    tmd_buf prefix = TMD_BUF_INIT;
    tmd_buf_printf(&prefix, "%s::", relpath);
    struct outer none = {0};
    for (size_t i = 0; i < ns.n && !rc && !prefix.oom; i++) {
        const struct binding *b = &ns.v[i];
        int fmatch = name_matches(&cfg->python_functions, b->name, b->len);
        int cmatch = name_matches(&cfg->python_classes, b->name, b->len);
        tmd_buf id = TMD_BUF_INIT;
        put_id(&c, &id, prefix.data, b->name, b->len);
        if (b->kind == B_FUNC && fmatch && !b->conditional)
            rc = function_items(&c, prefix.data, b->stmt, &none, 0);
        else if (!fmatch && !cmatch && may_be_testcase(&c, b))
            rc = add(&c, id.data, TMD_COLLECT_PREFIX, TMD_COLLECT_WHY_MAYBE_TESTCASE, NULL);
        else if (b->kind == B_CLASS && !b->conditional)
            rc = class_items(&c, &ns, b->stmt, prefix.data, !cmatch);
        else if ((fmatch || cmatch) && b->imported)
            rc = add(&c, id.data, TMD_COLLECT_PREFIX, "imported", NULL);
        else if (bound_to_plain_value(b))
            ; /* data, not a test */
        else if ((fmatch && b->kind != B_CLASS) || (cmatch && b->kind != B_FUNC) ||
                 (b->kind == B_CLASS && b->conditional))
            rc = add(&c, id.data, TMD_COLLECT_PREFIX,
                     b->conditional ? "conditional definition" : "bound at runtime", NULL);
        if (id.oom)
            rc = TMD_ENOMEM;
        tmd_buf_free(&id);
    }
    if (prefix.oom && !rc)
        rc = TMD_ENOMEM;
    tmd_buf_free(&prefix);
    if (!rc && odd_name) /* the IDs of some names are not known: the whole file */
        rc = item_list_add(out, relpath, strlen(relpath), TMD_COLLECT_PREFIX, "identifier not normalised", NULL);
done:
    ns_free(&ns);
    ns_free(&consts.ns);
    parse_arena_tree_delete(tree);
    if (rc == TMD_ENOMEM)
        return tmd_error(rc, "%s: out of memory while collecting", relpath);
    if (rc)
        return tmd_error(rc, "%s: too deeply nested to collect statically", relpath);
    return 0;
}

/* ---- fixtures and hooks (conftest.py and test modules) ------------------------------------ */

void collect_facts_free(collect_facts *f)
{
    strvec_free(&f->param_fixtures);
    strvec_free(&f->fixture_edges);
    strvec_free(&f->autouse);
    strvec_free(&f->generate_dirs);
    strvec_free(&f->generated);
    strvec_free(&f->fixture_ids);
    strvec_free(&f->uncertain_dirs);
    strvec_free(&f->exports);
    strvec_free(&f->helpers);
    memset(f, 0, sizeof *f);
}

/* Records a fixture definition (collect_facts.fixture_ids): where it is
 * seen, its scope letter, the names it requests, the IDs its params= give. */
static int fixture_definition(const struct ctx *c, collect_facts *f, const char *name, size_t nl,
                              const char *dir, size_t dir_len, char scope, const strvec *args, int params,
                              TSNode params_node, TSNode ids_node)
{
    char *fname = strndup(name, nl);
    strvec ids = {0};
    const param_ctx pc = {c->src, NULL, NULL};
    /* ASSUMED IDs serve too: they only ever make an expectation */
    int known = params && fname && param_ids_of_fixture(&ids, fname, params_node, ids_node, &pc) != PARAM_UNKNOWN;
    const char *marker = !params ? FIXTURE_NO_PARAMS : !known || !ids.n ? FIXTURE_PARAMS_UNREAD : NULL;
    int rc = !fname ? TMD_ENOMEM
                    : fixture_record_add(&f->fixture_ids, name, nl, dir, dir_len, c->relpath, scope, args, marker, &ids);
    strvec_free(&ids);
    free(fname);
    return rc;
}

/* A name the namespace may bind to a fixture tmdiff cannot read (assigned,
 * or defined under a condition): a definition of unknown scope and params,
 * so a test that reaches it expects no IDs. */
static int maybe_fixture(const struct ctx *c, collect_facts *f, const char *name, size_t nl, const char *dir,
                         size_t dir_len)
{
    strvec none = {0};
    int rc = fixture_record_add(&f->fixture_ids, name, nl, dir, dir_len, c->relpath, '?', &none,
                                FIXTURE_PARAMS_UNREAD, NULL);
    if (!rc && !strvec_contains_n(&f->param_fixtures, name, nl))
        rc = strvec_push_n(&f->param_fixtures, name, nl);
    return rc;
}

/* One fixture definition: its name (or name=), params=, autouse=True and
 * the fixtures it requests. */
static int scan_fixture(const struct ctx *c, collect_facts *f, TSNode stmt, TSNode deco_args,
                        const char *dir, size_t dir_len, int conditional)
{
    TSNode fn = definition_of(stmt);
    size_t nl;
    const char *name = text(c, field(fn, name), &nl);
    int params = 0, autouse = 0;
    char scope = 'f';
    TSNode params_node = {0}, ids_node = {0};
    if (!ts_node_is_null(deco_args)) {
        uint32_t n = ts_node_named_child_count(deco_args);
        for (uint32_t i = 0; i < n; i++) {
            TSNode a = ts_node_named_child(deco_args, i);
            if (ts_node_is_extra(a))
                continue;
            if (!is(a, "keyword_argument")) {
                scope = '?'; /* scope given by position (pytest < 8), or a splat */
                continue;
            }
            TSNode k = field(a, name), v = field(a, value);
            if (text_is(c, k, "params"))
                params = 1, params_node = v;
            else if (text_is(c, k, "ids"))
                ids_node = v;
            else if (text_is(c, k, "autouse")) {
                autouse = !text_is(c, v, "False");
                if (c->autouse_read)
                    (*c->autouse_read)++;
            } else if (text_is(c, k, "scope")) {
                tmd_buf lit = TMD_BUF_INIT;
                scope = collect_str_literal(&lit, v, c->src) && lit.data ? fixture_scope_letter(lit.data, lit.len)
                                                                         : '?';
                tmd_buf_free(&lit);
            } else if (text_is(c, k, "name") && is(v, "string")) {
                size_t vl;
                const char *t = text(c, v, &vl);
                if (vl >= 2) {
                    name = t + 1;
                    nl = vl - 2;
                }
            }
        }
    }
    /* the names it requests (defaults, *args and **kwargs are not fixtures) */
    strvec args = {0};
    TSNode ps = field(fn, parameters);
    uint32_t np = ts_node_named_child_count(ps);
    int rc = 0;
    for (uint32_t i = 0; i < np && !rc; i++) {
        TSNode p = ts_node_named_child(ps, i);
        if (is(p, "typed_parameter"))
            p = ts_node_named_child(p, 0);
        if (!is(p, "identifier"))
            continue;
        size_t pl;
        const char *pn = text(c, p, &pl);
        rc = strvec_push_n(&args, pn, pl);
        if (!rc)
            rc = strvec_push_pair(&f->fixture_edges, name, nl, pn, pl);
    }
    if (!rc && params)
        rc = strvec_push_n(&f->param_fixtures, name, nl);
    if (!rc)
        rc = fixture_definition(c, f, name, nl, dir, dir_len, scope, &args, params, params_node, ids_node);
    if (!rc && autouse)
        rc = strvec_push_pair(&f->autouse, dir, dir_len, name, nl);
    if (!rc && conditional) /* another branch may define it otherwise, or not at all */
        rc = maybe_fixture(c, f, name, nl, dir, dir_len);
    strvec_free(&args);
    return rc;
}

/* Hooks a conftest can define that change which tests exist, and what
 * tmdiff then assumes of the tests in its folder. */
typedef enum hook_effect {
    HOOK_GENERATE, /* parametrized (unless the hook is guarded: collect_generate.c) */
    HOOK_MAKE_ID,  /* parametrized IDs named by the hook */
    HOOK_IGNORE,   /* files and folders skipped; others collected as ever,
                      unless the hook can return False (collect_ignore.c) */
    HOOK_UNKNOWN,  /* the collection itself changes */
} hook_effect;

static const struct {
    const char *name;
    hook_effect effect;
} collection_hooks[] = {
    {"pytest_generate_tests", HOOK_GENERATE},     {"pytest_make_parametrize_id", HOOK_MAKE_ID},
    {"pytest_collect_file", HOOK_UNKNOWN},        {"pytest_ignore_collect", HOOK_IGNORE},
    {"pytest_pycollect_makeitem", HOOK_UNKNOWN},  {"pytest_pycollect_makemodule", HOOK_UNKNOWN},
    {"pytest_collect_directory", HOOK_UNKNOWN},
};
enum { NHOOKS = sizeof collection_hooks / sizeof *collection_hooks };

static int hook_index(const struct ctx *c, TSNode name)
{
    for (int h = 0; h < NHOOKS; h++)
        if (text_is(c, name, collection_hooks[h].name))
            return h;
    return -1;
}

/* What tmdiff assumes where a hook it does not read applies. */
static int hook_unknown(collect_facts *f, hook_effect effect, const char *relpath, size_t scope_len)
{
    if (effect == HOOK_MAKE_ID) {
        f->make_id_hook = 1;
        return 0;
    }
    if (effect == HOOK_IGNORE)
        effect = HOOK_UNKNOWN; /* read as unknown where it is not a plain definition */
    return strvec_push_n(effect == HOOK_GENERATE ? &f->generate_dirs : &f->uncertain_dirs, relpath, scope_len);
}

/* A top-level definition of the hook `h` in a conftest or test module. A
 * test module's own pytest_generate_tests is judged by collect_module; its
 * names are listed here. */
static int scan_hook(collect_facts *f, int h, const char *src, TSNode def, int is_conftest,
                     const char *relpath, size_t scope_len)
{
    /* an ignoring hook leaves the tests it does not skip as they are; the
     * ones it skips stand for nothing, which only makes tmdiff select more */
    if (collection_hooks[h].effect == HOOK_IGNORE && ignore_hook_only_ignores(def))
        return 0;
    if (collection_hooks[h].effect != HOOK_GENERATE)
        return is_conftest ? hook_unknown(f, collection_hooks[h].effect, relpath, scope_len) : 0;
    strvec names = {0};
    int guarded = generate_hook_guards(&names, src, def);
    for (size_t k = 0; k < names.n && guarded == 1; k++)
        if (strvec_push(&f->generated, names.v[k]) || strvec_push(&f->param_fixtures, names.v[k]))
            guarded = TMD_ENOMEM;
    strvec_free(&names);
    if (guarded < 0)
        return guarded;
    return !guarded && is_conftest ? hook_unknown(f, HOOK_GENERATE, relpath, scope_len) : 0;
}

/* The fixture decorators of a decorated definition: each one's fixture.
 * A decorator tmdiff does not know may make a fixture of the function too
 * (`my_fixture = pytest.fixture(params=...)`; a hook's hookimpl aside). */
static int fixture_decorators(const struct ctx *c, collect_facts *f, TSNode stmt, const char *dir,
                              size_t dir_len, int conditional)
{
    int rc = 0, unknown = 0;
    uint32_t nd = ts_node_named_child_count(stmt);
    for (uint32_t k = 0; k < nd && !rc; k++) {
        TSNode d = ts_node_named_child(stmt, k);
        TSNode args;
        deco_kind kind = is(d, "decorator") ? classify_decorator(c, d, &args) : DECO_HARMLESS;
        if (kind == DECO_FIXTURE)
            rc = scan_fixture(c, f, stmt, args, dir, dir_len, conditional);
        unknown |= kind == DECO_UNKNOWN;
    }
    size_t nl;
    const char *name = text(c, field(definition_of(stmt), name), &nl);
    if (!rc && unknown && !(nl > 7 && !memcmp(name, "pytest_", 7)))
        rc = maybe_fixture(c, f, name, nl, dir, dir_len);
    return rc;
}

/* The names an assignment's target binds (target_identifiers); not when
 * the value is data (a fixture is a function object). */
static int assigned_maybe_fixtures(const struct ctx *c, collect_facts *f, TSNode target, const char *dir,
                                   size_t dir_len, const strvec *later_defs)
{
    TSNode ids[256];
    size_t n = target_identifiers(target, ids);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        size_t nl;
        const char *name = text(c, ids[i], &nl);
        if (!strvec_contains_n(later_defs, name, nl))
            rc = maybe_fixture(c, f, name, nl, dir, dir_len);
    }
    return rc;
}

/* How many `name=` keyword arguments the tree holds. */
static unsigned keyword_arguments(TSNode root, const char *src, const char *name)
{
    unsigned n = 0;
    size_t nl = strlen(name);
    TSTreeCursor cur = ts_tree_cursor_new(root);
    for (int more = 1; more;) {
        TSNode node = ts_tree_cursor_current_node(&cur);
        if (is(node, "keyword_argument")) {
            TSNode k = ts_node_child_by_field_name(node, "name", 4);
            uint32_t a = ts_node_start_byte(k), b = ts_node_end_byte(k);
            n += b - a == nl && !memcmp(src + a, name, nl);
        }
        if (ts_tree_cursor_goto_first_child(&cur))
            continue;
        while (!(more = ts_tree_cursor_goto_next_sibling(&cur)) && ts_tree_cursor_goto_parent(&cur))
            ;
    }
    ts_tree_cursor_delete(&cur);
    return n;
}

/* pytest registers every fixture object in a namespace (a module's, a
 * class's) under the name it is bound to. A statement of the namespace
 * other than a definition may bind one: a fixture defined under
 * if/try/with/for/while (conditional), and, with `assignments`, a name
 * assigned (`db = helpers.db`) unless a later `def` of the same name in
 * the block rebinds it. Function bodies are not the namespace's. */
static int statement_fixtures(const struct ctx *c, collect_facts *f, TSNode stmt, const char *dir, size_t dir_len,
                              int assignments, const strvec *later_defs)
{
    int rc = 0;
    TSTreeCursor cur = ts_tree_cursor_new(stmt);
    for (int more = 1; more && !rc;) {
        TSNode n = ts_tree_cursor_current_node(&cur);
        int descend = 1;
        if (is(n, "decorated_definition")) {
            if (is(definition_of(n), "function_definition"))
                rc = fixture_decorators(c, f, n, dir, dir_len, 1);
            descend = 0;
        } else if (is(n, "function_definition") || is(n, "class_definition") || is(n, "lambda")) {
            descend = 0;
        } else if (is(n, "assignment") && assignments && !is_data(field(n, right))) {
            rc = assigned_maybe_fixtures(c, f, field(n, left), dir, dir_len, later_defs);
        }
        if (descend && ts_tree_cursor_goto_first_child(&cur))
            continue;
        while (!(more = ts_tree_cursor_goto_next_sibling(&cur)) && ts_tree_cursor_goto_parent(&cur))
            ;
    }
    ts_tree_cursor_delete(&cur);
    return rc;
}

/* A conftest's collect_ignore (or _glob) that tmdiff cannot read: the
 * paths it may name are uncertain, or where those are not known, the
 * conftest's whole folder (`relpath` cut to `scope_len`). */
static int uncertain_ignores(collect_facts *facts, const char *src, size_t len, TSNode root, const char *name,
                             const char *relpath, size_t scope_len)
{
    strvec values = {0};
    strvec *into = &facts->uncertain_dirs;
    size_t had = into->n;
    int rc = conftest_list_bounded(&values, src, len, root, name);
    char *dir = strndup(relpath, scope_len);
    rc = dir ? rc : TMD_ENOMEM;
    for (size_t i = 0; i < values.n && rc == 1; i++) {
        tmd_buf scope = TMD_BUF_INIT;
        int named = ignore_value_scope(&scope, dir, values.v[i], !strcmp(name, "collect_ignore_glob"));
        rc = scope.oom ? TMD_ENOMEM : named ? (strvec_push_n(into, scope.data ? scope.data : "", scope.len) ? TMD_ENOMEM : 1) : 0;
        tmd_buf_free(&scope);
    }
    if (rc == 0) {
        while (into->n > had)
            free(into->v[--into->n]);
        rc = strvec_push_n(into, relpath, scope_len);
    }
    free(dir);
    strvec_free(&values);
    return rc < 0 ? rc : 0;
}

int collect_scan_fixtures(collect_facts *facts, const char *relpath, const char *src, size_t len,
                          int is_conftest)
{
    TSTree *tree = parse_guard_parse(src, len);
    if (!tree)
        return tmd_error(TMD_ENOMEM, "%s: tree-sitter could not parse (out of memory?)", relpath);
    int odd_name = 0;
    unsigned autouse_read = 0;
    struct ctx c = {src, relpath, NULL, facts, NULL, NULL, 0, &odd_name, NULL, NULL, 0, &autouse_read};
    /* a conftest's scope is its folder; a module's scope is the module */
    const char *slash = strrchr(relpath, '/');
    size_t scope_len = is_conftest == 2   ? 0 /* a plugin module: everywhere */
                       : is_conftest == 1 ? (slash ? (size_t)(slash - relpath) : 0)
                                          : strlen(relpath); /* a module, or a helper: its importers get
                                                                its fixtures (fixture_apply_exports) */
    int hooks = is_conftest != 3; /* a helper's act through its importer, whose scan sees the name */
    int rc = 0;
    unsigned hook_defs[NHOOKS] = {0}; /* top-level definitions of each */
    /* lists the walk could not read (collect.c read the others); most
     * conftests never name them: no tree walk */
    int names_lists = is_conftest == 1 && text_has_word(src, len, "collect_ignore", 14, 0);
    for (int k = 0; k < 2 && names_lists && !rc; k++) {
        const char *name = k ? "collect_ignore_glob" : "collect_ignore";
        strvec ignored = {0};
        int kind = conftest_list(&ignored, src, ts_tree_root_node(tree), name, 0);
        strvec_free(&ignored);
        if (kind < 0)
            rc = kind;
        else if (kind == CONFTEST_LIST_DYNAMIC)
            rc = uncertain_ignores(facts, src, len, ts_tree_root_node(tree), name, relpath, scope_len);
    }
    int runtime = 0; /* an import-time statement binds names (globals()[...] = ...)
                        or an autouse fixture */
    /* top-level statements and class bodies (class-scoped fixtures) */
    TSNode blocks[64];
    int nb = 0;
    blocks[nb++] = ts_tree_root_node(tree);
    while (nb > 0 && !rc) {
        TSNode blk = blocks[--nb];
        int top = ts_node_eq(blk, ts_tree_root_node(tree));
        uint32_t n;
        TSNode *kids = named_children(blk, &n);
        if (!kids)
            rc = TMD_ENOMEM;
        strvec later_defs = {0}; /* the block's defs after the statement at hand */
        for (uint32_t i = n; kids && i-- > 0 && !rc;) {
            TSNode s = kids[i];
            TSNode def = definition_of(s);
            if (is(def, "function_definition") || is(def, "class_definition")) {
                size_t nl;
                const char *name = text(&c, field(def, name), &nl);
                rc = strvec_push_n(&later_defs, name, nl);
            } else if (!is(s, "comment")) {
                /* a test module's top-level assignments are its
                 * namespace's (function_items reads them); a class's
                 * attributes are fixtures of its tests */
                rc = statement_fixtures(&c, facts, s, relpath, scope_len, is_conftest != 0 || !top, &later_defs);
                size_t sl;
                const char *st = text(&c, s, &sl);
                /* an autouse fixture bound here would apply to every test
                 * (a docstring that says "autouse" binds nothing) */
                int docstring = is(s, "expression_statement") && is(ts_node_named_child(s, 0), "string");
                runtime |= top && !docstring && (runtime_binding_text(st, sl) || memmem(st, sl, "autouse", 7));
            }
        }
        for (uint32_t i = 0; kids && i < n && !rc; i++) {
            TSNode s = kids[i];
            TSNode def = definition_of(s);
            if (is(def, "class_definition")) {
                if (nb < 64)
                    blocks[nb++] = field(def, body);
                continue;
            }
            if (!is(def, "function_definition"))
                continue;
            int hook = hooks && top ? hook_index(&c, field(def, name)) : -1;
            if (hook >= 0) {
                hook_defs[hook]++;
                rc = scan_hook(facts, hook, src, def, is_conftest, relpath, scope_len);
            }
            if (!rc && is(s, "decorated_definition"))
                rc = fixture_decorators(&c, facts, s, relpath, scope_len, 0);
        }
        strvec_free(&later_defs);
        free(kids);
    }
    /* a conftest or plugin whose namespace is filled at runtime (directly,
     * or by a function import-time code calls) may hold any fixture: its
     * folder's tests are beyond the static listing. A test module's own is
     * judged by collect_module. */
    if (!rc && !runtime && (is_conftest == 1 || is_conftest == 2) &&
        (runtime_binding_text(src, len) || memmem(src, len, "__name__", 8))) {
        int through = module_binds_through_calls(src, len, ts_tree_root_node(tree));
        rc = through < 0 ? through : 0;
        runtime = through == 1;
    }
    /* an autouse= the scan did not read: a fixture made by a call
     * (`pytest.fixture(autouse=True)(f)`, a factory) or a decorator of the
     * project's own may reach every test here, or every importer's */
    int unread_autouse = text_word_count(src, len, "autouse", 7) > autouse_read &&
                         keyword_arguments(ts_tree_root_node(tree), src, "autouse") > autouse_read;
    if (!rc && ((runtime && (is_conftest == 1 || is_conftest == 2)) || (unread_autouse && is_conftest)))
        rc = strvec_push_n(&facts->uncertain_dirs, relpath, scope_len);
    /* a test module's own: an autouse fixture of unknown params there (a
     * name no test can request) */
    if (!rc && unread_autouse && !is_conftest) {
        static const char unread[] = "autouse=";
        rc = maybe_fixture(&c, facts, unread, sizeof unread - 1, relpath, scope_len);
        if (!rc)
            rc = strvec_push_pair(&facts->autouse, relpath, scope_len, unread, sizeof unread - 1);
    }
    /* a hook bound some other way (imported, under an if, assigned) */
    for (int h = 0; h < NHOOKS && is_conftest && hooks && !rc; h++)
        if (text_word_count(src, len, collection_hooks[h].name, strlen(collection_hooks[h].name)) > hook_defs[h])
            rc = hook_unknown(facts, collection_hooks[h].effect, relpath, scope_len);
    parse_arena_tree_delete(tree);
    return rc ? tmd_error(rc, "%s: out of memory while reading fixtures", relpath) : 0;
}

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int collect_facts_finish(collect_facts *f)
{
    if (fixture_apply_exports(f) || collect_installed_fixtures(f))
        return tmd_error(TMD_ENOMEM, "collect: out of memory");
    /* looked up by name (collect_fixtures.c): "name\0..." sorts by name */
    if (f->fixture_ids.n)
        qsort(f->fixture_ids.v, f->fixture_ids.n, sizeof *f->fixture_ids.v, cmp_entry);
    if (f->fixture_edges.n)
        qsort(f->fixture_edges.v, f->fixture_edges.n, sizeof *f->fixture_edges.v, cmp_entry);
    /* a fixture requesting a parametrized fixture is parametrized too */
    for (int changed = 1; changed;) {
        changed = 0;
        for (size_t i = 0; i < f->fixture_edges.n; i++) {
            const char *name = f->fixture_edges.v[i];
            const char *dep = name + strlen(name) + 1;
            if (strvec_contains(&f->param_fixtures, dep) && !strvec_contains(&f->param_fixtures, name)) {
                if (strvec_push(&f->param_fixtures, name))
                    return tmd_error(TMD_ENOMEM, "collect: out of memory");
                changed = 1;
            }
        }
    }
    return 0;
}
