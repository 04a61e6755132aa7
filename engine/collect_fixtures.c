/* collect_fixtures.c: which fixtures' params= give a test its IDs, and in
 * which order, as pytest decides. pytest builds the test's fixture closure
 * (FixtureManager.getfixtureclosure: its arguments, then what each fixture
 * requests, breadth first, not following a name a parametrize mark sets
 * directly), sorts it by scope, broadest first (a stable sort), and applies
 * each fixture's params= in that order unless a mark parametrizes the name;
 * the marks' own IDs follow. Only fixtures that reach a params= are
 * followed here: the others add no IDs and do not change the order of
 * those that do. */
#include "collect_internal.h"

#include <stdlib.h>
#include <string.h>

/* Scopes, narrowest first: a letter's index is its rank. */
static const char scope_letters[] = "fcmps";

char fixture_scope_letter(const char *scope, size_t len)
{
    static const char *const names[] = {"function", "class", "module", "package", "session"};
    for (int i = 0; i < 5; i++)
        if (strlen(names[i]) == len && !memcmp(names[i], scope, len))
            return scope_letters[i];
    return '?';
}

int collect_sees(const char *dir, size_t len, const char *relpath)
{
    if (len == 0)
        return 1;
    return !strncmp(dir, relpath, len) && (relpath[len] == '/' || relpath[len] == '\0');
}

int fixture_record_add(strvec *defs, const char *name, size_t nl, const char *dir, size_t dl, const char *file,
                       char scope, const strvec *args, const char *params, const strvec *ids)
{
    tmd_buf b = TMD_BUF_INIT;
    tmd_buf_put(&b, name, nl);
    tmd_buf_putc(&b, '\0');
    tmd_buf_put(&b, dir, dl);
    tmd_buf_printf(&b, "\n%s\n%c\n", file, scope);
    for (size_t i = 0; i < args->n; i++)
        tmd_buf_printf(&b, "%s%s", i ? "," : "", args->v[i]);
    if (params)
        tmd_buf_printf(&b, "\n%s", params);
    for (size_t i = 0; !params && i < ids->n; i++)
        tmd_buf_printf(&b, "\n%s", ids->v[i]);
    int rc = b.oom ? TMD_ENOMEM : strvec_push_n(defs, b.data, b.len); /* keeps the inner NUL */
    tmd_buf_free(&b);
    return rc;
}

/* One record of collect_facts.fixture_ids, read in place. */
struct fixture_def {
    const char *dir;
    size_t dir_len;
    const char *file; /* where it is defined, file_len bytes */
    size_t file_len;
    char scope;
    const char *args; /* ','-separated, args_len bytes */
    size_t args_len;
    const char *params; /* '\n'-separated IDs, or one of the FIXTURE_ markers */
};

static void read_record(const char *rec, struct fixture_def *d)
{
    const char *p = rec + strlen(rec) + 1;
    d->dir = p;
    d->dir_len = strcspn(p, "\n");
    p += d->dir_len + 1;
    d->file = p;
    d->file_len = strcspn(p, "\n");
    p += d->file_len + 1;
    d->scope = *p;
    p += 2;
    d->args = p;
    d->args_len = strcspn(p, "\n");
    p += d->args_len;
    d->params = *p ? p + 1 : p;
}

/* The first index of the sorted `defs` whose record is named `name` or
 * sorts after it. */
static size_t first_named(const strvec *defs, const char *name)
{
    size_t lo = 0, hi = defs->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(defs->v[mid], name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int installed(const struct fixture_def *d)
{
    static const char file[] = COLLECT_INSTALLED_FILE;
    return d->file_len == sizeof file - 1 && !memcmp(d->file, file, d->file_len);
}

/* Whether the record's fixture requests `name` (its own name: an override
 * using the fixture it hides). */
static int requests(const struct fixture_def *d, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = d->args, *end = d->args + d->args_len; p < end;) {
        size_t k = strcspn(p, ",\n");
        if (k == n && !memcmp(p, name, n))
            return 1;
        p += k + 1;
    }
    return 0;
}

/* The one definition of `name` the module `relpath` sees: 1, 0 for none,
 * -1 for more than one (an override: not followed here). An installed
 * plugin's is seen only where the project defines none. */
static int visible_def(const collect_facts *f, const char *relpath, const char *name, struct fixture_def *out)
{
    int found = 0, plugin = 0;
    struct fixture_def outer;
    const strvec *defs = &f->fixture_ids;
    for (size_t i = first_named(defs, name); i < defs->n && !strcmp(defs->v[i], name); i++) {
        struct fixture_def d;
        read_record(defs->v[i], &d);
        if (!collect_sees(d.dir, d.dir_len, relpath))
            continue;
        if (installed(&d)) {
            outer = d;
            plugin = 1;
        } else if (found++) {
            return -1;
        } else {
            *out = d;
        }
    }
    if (found && plugin && requests(out, name))
        return -1; /* overrides the plugin's and uses it */
    if (!found && plugin)
        *out = outer, found = 1;
    return found;
}

/* The closure's names that reach a params=, in pytest's order before the
 * sort. 1, 0 when it cannot be known, TMD_ENOMEM. */
static int closure_of(strvec *names, const collect_facts *f, const char *relpath, const strvec *args,
                      const strvec *direct)
{
    for (size_t i = 0; i < args->n; i++) {
        size_t n = strlen(args->v[i]);
        if (strvec_contains_n(&f->param_fixtures, args->v[i], n) && !strvec_contains_n(names, args->v[i], n) &&
            strvec_push(names, args->v[i]))
            return TMD_ENOMEM;
    }
    for (size_t at = 0; at < names->n; at++) { /* names grows: breadth first */
        const char *name = names->v[at];
        if (strvec_contains(&f->generated, name))
            return 0; /* a pytest_generate_tests hook may parametrize it */
        if (strvec_contains(direct, name))
            continue;
        struct fixture_def d;
        int v = visible_def(f, relpath, name, &d);
        if (v < 0 || (v && d.scope == '?'))
            return 0;
        for (const char *p = d.args, *end = d.args + d.args_len; v && p < end;) {
            size_t n = strcspn(p, ",\n");
            if (strvec_contains_n(&f->param_fixtures, p, n) && !strvec_contains_n(names, p, n) && strvec_push_n(names, p, n))
                return TMD_ENOMEM;
            p += n + 1;
        }
    }
    return 1;
}

int fixture_param_ids(strvec *out, const collect_facts *f, const char *relpath, const strvec *args,
                      const strvec *marked, const strvec *direct)
{
    strvec names = {0};
    int rc = closure_of(&names, f, relpath, args, direct);
    size_t *order = rc == 1 ? malloc((names.n ? names.n : 1) * sizeof *order) : NULL;
    unsigned char *rank = rc == 1 ? malloc(names.n ? names.n : 1) : NULL;
    if (rc == 1 && (!order || !rank))
        rc = TMD_ENOMEM;
    for (size_t i = 0; rc == 1 && i < names.n; i++) {
        struct fixture_def d;
        /* a name set directly has no definition for pytest: function scope */
        int v = strvec_contains(direct, names.v[i]) ? 0 : visible_def(f, relpath, names.v[i], &d);
        rank[i] = v ? (unsigned char)(strchr(scope_letters, d.scope) - scope_letters) : 0;
        size_t k = i; /* insertion sort, broadest first, stable */
        while (k > 0 && rank[order[k - 1]] < rank[i]) {
            order[k] = order[k - 1];
            k--;
        }
        order[k] = i;
    }
    for (size_t i = 0; rc == 1 && i < names.n; i++) {
        const char *name = names.v[order[i]];
        struct fixture_def d;
        if (strvec_contains(marked, name) || visible_def(f, relpath, name, &d) != 1 ||
            !strcmp(d.params, FIXTURE_NO_PARAMS))
            continue;
        if (!strcmp(d.params, FIXTURE_PARAMS_UNREAD)) {
            rc = 0;
            break;
        }
        strvec ids = {0};
        for (const char *p = d.params; rc == 1;) {
            size_t n = strcspn(p, "\n");
            if (strvec_push_n(&ids, p, n))
                rc = TMD_ENOMEM;
            if (!p[n])
                break;
            p += n + 1;
        }
        if (rc == 1 && param_ids_combine(out, &ids))
            rc = TMD_ENOMEM;
        strvec_free(&ids);
    }
    free(order);
    free(rank);
    strvec_free(&names);
    if (rc != 1)
        strvec_free(out);
    return rc;
}

/* The record `rec` again, named `name` and seen from `dir`. */
static int record_moved(strvec *defs, const char *rec, const char *name, const char *dir)
{
    struct fixture_def d;
    read_record(rec, &d);
    tmd_buf b = TMD_BUF_INIT;
    tmd_buf_put(&b, name, strlen(name));
    tmd_buf_putc(&b, '\0');
    tmd_buf_printf(&b, "%s\n", dir);
    tmd_buf_puts(&b, d.file); /* file, scope, args, params as they were */
    int rc = b.oom ? TMD_ENOMEM : strvec_push_n(defs, b.data, b.len);
    tmd_buf_free(&b);
    return rc;
}

/* Whether the helper module `file` defines `name` with autouse=True. */
static int is_autouse(const collect_facts *f, const char *file, const char *name)
{
    for (size_t i = 0; i < f->autouse.n; i++) {
        const char *scope = f->autouse.v[i];
        if (!strcmp(scope, file) && !strcmp(scope + strlen(scope) + 1, name))
            return 1;
    }
    return 0;
}

int fixture_apply_exports(collect_facts *f)
{
    strvec added = {0};
    int rc = 0;
    for (size_t e = 0; e < f->exports.n && !rc; e++) {
        const char *file = f->exports.v[e];
        const char *want = file + strlen(file) + 1;
        const char *dir = want + strlen(want) + 1;
        const char *bound = dir + strlen(dir) + 1;
        /* a helper whose scan could not read an autouse fixture (or its
         * namespace) makes its importers' tests uncertain */
        if (strvec_contains(&f->uncertain_dirs, file) && !strvec_contains(&f->uncertain_dirs, dir))
            rc = strvec_push(&f->uncertain_dirs, dir);
        for (size_t i = 0; i < f->fixture_ids.n && !rc; i++) {
            const char *name = f->fixture_ids.v[i];
            struct fixture_def d;
            read_record(name, &d);
            if (d.file_len != strlen(file) || memcmp(d.file, file, d.file_len) ||
                (strcmp(want, "*") && strcmp(want, name)))
                continue;
            const char *as = strcmp(bound, "*") ? bound : name;
            rc = record_moved(&added, name, as, dir);
            if (!rc && is_autouse(f, file, name))
                rc = strvec_push_pair(&f->autouse, dir, strlen(dir), as, strlen(as));
            if (!rc && strcmp(d.params, FIXTURE_NO_PARAMS) && !strvec_contains(&f->param_fixtures, as))
                rc = strvec_push(&f->param_fixtures, as);
            for (const char *p = d.args, *end = d.args + d.args_len; !rc && p < end;) {
                size_t k = strcspn(p, ",\n");
                tmd_buf edge = TMD_BUF_INIT;
                tmd_buf_puts(&edge, as);
                tmd_buf_putc(&edge, '\0');
                tmd_buf_put(&edge, p, k);
                rc = edge.oom ? TMD_ENOMEM : strvec_push_n(&f->fixture_edges, edge.data, edge.len);
                tmd_buf_free(&edge);
                p += k + 1;
            }
        }
    }
    for (size_t i = 0; i < added.n && !rc; i++) /* after the loops that read the records */
        if (!(rc = strvec_adopt(&f->fixture_ids, added.v[i])))
            added.v[i] = NULL;
    strvec_free(&added);
    return rc;
}
