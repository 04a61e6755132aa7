/* collect_parse.c: reads and parses the walk's conftests and test modules on
 * every core. Files are independent: each gets its own facts (first phase)
 * and its own items (second phase), merged in the walk's order, so the result
 * is exactly what one thread reading them in order would produce. A large
 * suite's 2,000 test modules took over a second of one core to parse. */
#define _GNU_SOURCE /* memmem */
#include "collect_cache.h"
#include "collect_internal.h"
#include "error.h"
#include "parse_arena.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_THREADS 8
#define CHUNK 4          /* files per turn: test modules are a few KB each */
#define MIN_PER_THREAD 16 /* fewer files than this per extra thread: stay alone */

typedef struct source {
    char *text; /* NULL: unreadable, `why` says why */
    size_t len;
    const char *why;
    collect_key digest; /* of the bytes read */
} source;

static atomic_size_t parses; /* collect_parse_count */

typedef struct job {
    const char *rootabs;
    const strvec *conftests, *files;
    const strvec *doctest_only; /* sorted: files collected only for doctests */
    const pytest_config *cfg;
    const collect_facts *facts; /* merged: read only during the second phase */
    int phase;                  /* 1: fixtures, 2: items */
    size_t n;                   /* units of the phase: conftests + files, or files */
    collect_facts *part;        /* phase 1, per unit */
    unsigned char *conftest_unreadable; /* per conftest */
    item_list *items;           /* phase 2, per test file */
    collect_reuse *reuse;       /* NULL: none */
    unsigned char *same;        /* per unit: read as its digest says (reusable) */
    atomic_int changed;         /* some file differed from its digest */
    atomic_size_t next;
    atomic_int stop;
    pthread_mutex_t lock; /* guards the first error below */
    size_t err_at;        /* unit index of the first (lowest) failure, or SIZE_MAX */
    int err_rc;
    char err_msg[512];
} job;

static char *absolute(const char *rootabs, const char *rel)
{
    size_t a = strlen(rootabs), b = strlen(rel);
    char *s = malloc(a + b + 2);
    if (s) {
        memcpy(s, rootabs, a);
        s[a] = '/';
        memcpy(s + a + 1, rel, b + 1);
    }
    return s;
}

/* Keeps the failure of the lowest unit: the one a serial run stops at. */
static void record_error(job *j, size_t unit, int rc)
{
    pthread_mutex_lock(&j->lock);
    if (unit < j->err_at) {
        j->err_at = unit;
        j->err_rc = rc;
        snprintf(j->err_msg, sizeof j->err_msg, "%s", tmd_error_message());
    }
    pthread_mutex_unlock(&j->lock);
    atomic_store(&j->stop, 1);
}

/* The source of the walk's conftest or test file `rel`. */
static int read_source(job *j, const char *rel, source *s)
{
    memset(s, 0, sizeof *s);
    char *abs = absolute(j->rootabs, rel);
    if (!abs)
        return tmd_error(TMD_ENOMEM, "%s: out of memory while listing test files", rel);
    s->text = collect_read_source(abs, &s->len, &s->why, &s->digest);
    free(abs);
    return 0;
}

/* Whether unit `u` was read as the cache key saw it (else it changed in
 * between: nothing of this collection may be saved). */
static int read_as_keyed(job *j, size_t u, const source *s)
{
    if (!j->reuse || !s->text)
        return 0; /* an unreadable file gives a "cannot be read" item: cheap */
    if (memcmp(s->digest.bytes, j->reuse->digest[u].bytes, sizeof s->digest.bytes)) {
        atomic_store(&j->changed, 1);
        return 0;
    }
    return 1;
}

static int is_python(const char *rel)
{
    size_t n = strlen(rel);
    return n > 3 && !strcmp(rel + n - 3, ".py");
}

/* Whether pytest imports the file as a test module (not only its doctests,
 * not a doctest text file). */
static int is_test_module(const job *j, const char *rel)
{
    return is_python(rel) &&
           !sorted_contains((const char *const *)j->doctest_only->v, j->doctest_only->n, rel);
}

static int is_conftest_name(const char *rel)
{
    const char *base = strrchr(rel, '/');
    return !strcmp(base ? base + 1 : rel, "conftest.py");
}

static int fixtures_of(job *j, size_t unit)
{
    size_t nconf = j->conftests->n;
    int conftest = unit < nconf;
    const char *rel = conftest ? j->conftests->v[unit] : j->files->v[unit - nconf];
    if (conftest && !is_conftest_name(rel)) /* collect.c added it: a helper a */
        conftest = strvec_contains(&j->facts->helpers, rel) ? 3 : 2; /* conftest imports from, or a plugin */
    if (j->reuse) { /* the bytes the key saw, as the last collection found them */
        int reused = collect_files_facts(j->reuse->files, unit, rel, conftest, &j->part[unit]);
        if (reused < 0)
            return tmd_error(reused, "%s: out of memory while reading fixtures", rel);
        if (reused) {
            j->same[unit] = 1;
            return 0;
        }
    }
    source s;
    int rc = read_source(j, rel, &s);
    int same = !rc && read_as_keyed(j, unit, &s);
    /* a test module without the word defines no fixture: one parse saved
     * (a file collected only for its doctests defines none either; a
     * guarded pytest_generate_tests names metafunc.fixturenames) */
    if (!rc && s.text &&
        (conftest || (is_test_module(j, rel) && memmem(s.text, s.len, "fixture", 7)))) {
        atomic_fetch_add(&parses, 1);
        rc = collect_scan_fixtures(&j->part[unit], rel, s.text, s.len, conftest);
    } else if (!rc && conftest) {
        j->conftest_unreadable[unit] = 1;
    }
    if (!rc && same) { /* kept even when empty: then the next run need not read it here */
        j->same[unit] = 1;
        collect_files_keep_facts(j->reuse->files, unit, rel, conftest, &j->part[unit]);
    }
    free(s.text); /* read again for the items: keeping 2,000 modules added megabytes to the peak */
    return rc;
}

/* A doctest text file holds one item named after the file, when it has an
 * example: a PREFIX expecting exactly that ID, so a stored one is not new
 * and a new one is reported as the bare file; nothing is expected where a
 * conftest hook changes the collection. */
static int doctest_text_items(item_list *out, const char *rel, const source *s, const collect_facts *facts)
{
    if (!memmem(s->text, s->len, ">>>", 3))
        return 0;
    const char *base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    tmd_buf id = TMD_BUF_INIT;
    tmd_buf_printf(&id, "%s::%s", rel, base);
    strvec expect = {0};
    int rc = id.oom ? TMD_ENOMEM : scope_listed(&facts->uncertain_dirs, rel) ? 0 : strvec_push(&expect, id.data);
    if (!rc)
        rc = item_list_add(out, id.data, id.len, TMD_COLLECT_PREFIX, TMD_COLLECT_WHY_DOCTEST_TEXT, &expect);
    strvec_free(&expect);
    tmd_buf_free(&id);
    return rc ? tmd_error(TMD_ENOMEM, "%s: out of memory while collecting", rel) : 0;
}

/* --doctest-modules: whether the module may hold an example (doctest's
 * ">>>" prompt, or a __test__ dict naming docstrings elsewhere). pytest
 * skips a setup.py that mentions setuptools or distutils. */
static int may_hold_doctests(const char *rel, const source *s)
{
    const char *base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    if (!strcmp(base, "setup.py") &&
        (memmem(s->text, s->len, "setuptools", 10) || memmem(s->text, s->len, "distutils", 9)))
        return 0;
    return memmem(s->text, s->len, ">>>", 3) || memmem(s->text, s->len, "__test__", 8);
}

static int items_of(job *j, size_t i)
{
    const char *rel = j->files->v[i];
    size_t unit = j->conftests->n + i;
    if (j->same && j->same[unit]) { /* unchanged as far as the first phase saw */
        int reused = collect_files_items(j->reuse->files, i, rel, &j->items[i]);
        if (reused < 0)
            return tmd_error(reused, "%s: out of memory while collecting", rel);
        if (reused)
            return 0;
    }
    source s;
    int rc = read_source(j, rel, &s);
    if (rc)
        return rc;
    int same = read_as_keyed(j, unit, &s);
    if (s.text && !is_python(rel)) {
        rc = doctest_text_items(&j->items[i], rel, &s, j->facts);
    } else if (s.text) {
        if (is_test_module(j, rel)) {
            atomic_fetch_add(&parses, 1);
            rc = collect_module(&j->items[i], rel, s.text, s.len, j->cfg, j->facts);
        }
        /* --doctest-modules: whether a docstring's examples are new is known
         * only from the database (tmd_collection_new_tests) */
        if (!rc && j->cfg->doctest_modules && may_hold_doctests(rel, &s))
            rc = item_list_add(&j->items[i], rel, strlen(rel), TMD_COLLECT_PREFIX,
                               TMD_COLLECT_WHY_DOCTEST_MODULE, NULL);
        if (!rc && j->items[i].n) /* sorted here, on every core, and so kept */
            qsort(j->items[i].v, j->items[i].n, sizeof *j->items[i].v, collect_item_cmp);
    } else {
        rc = item_list_add(&j->items[i], rel, strlen(rel), TMD_COLLECT_PREFIX,
                           s.why ? s.why : "cannot be read", NULL);
    }
    if (!rc && same)
        collect_files_keep_items(j->reuse->files, i, rel, &j->items[i]);
    free(s.text);
    return rc;
}

static void *work(void *arg)
{
    job *j = arg;
    while (!atomic_load(&j->stop)) {
        size_t at = atomic_fetch_add(&j->next, CHUNK);
        if (at >= j->n)
            break;
        for (size_t u = at; u < at + CHUNK && u < j->n; u++) {
            /* tree-sitter's memory from a parse arena (parse_arena.h): malloc
             * and deleting trees were a fifth of a cold collection's CPU */
            int arena = parse_arena_begin_small();
            int rc = j->phase == 1 ? fixtures_of(j, u) : items_of(j, u);
            parse_arena_end(arena);
            if (rc) {
                record_error(j, u, rc);
                break;
            }
        }
    }
    return NULL;
}

/* Runs one phase over j->n units on up to `threads` threads (this one too). */
static int run_phase(job *j, int phase, size_t n, int threads)
{
    j->phase = phase;
    j->n = n;
    atomic_store(&j->next, 0);
    pthread_t tid[MAX_THREADS];
    int started = 0;
    for (int t = 1; t < threads && (size_t)t * MIN_PER_THREAD < n; t++) {
        if (pthread_create(&tid[started], NULL, work, j) != 0)
            break; /* fewer helpers: the work still gets done below */
        started++;
    }
    work(j);
    for (int t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    if (j->err_at != SIZE_MAX)
        return tmd_error(j->err_rc, "%s", j->err_msg);
    return 0;
}

/* Moves every string of `from` to the end of `to`. */
static int strvec_append_moved(strvec *to, strvec *from)
{
    if (!from->n)
        return 0;
    if (to->n + from->n > to->cap) {
        size_t cap = to->cap ? to->cap : 16;
        while (cap < to->n + from->n)
            cap *= 2;
        char **grown = realloc(to->v, cap * sizeof *grown);
        if (!grown)
            return TMD_ENOMEM;
        to->v = grown;
        to->cap = cap;
    }
    memcpy(to->v + to->n, from->v, from->n * sizeof *from->v);
    to->n += from->n;
    from->n = 0;
    return 0;
}

static int facts_merge(collect_facts *to, collect_facts *from)
{
    to->make_id_hook |= from->make_id_hook;
    if (strvec_append_moved(&to->param_fixtures, &from->param_fixtures) ||
        strvec_append_moved(&to->fixture_edges, &from->fixture_edges) ||
        strvec_append_moved(&to->autouse, &from->autouse) ||
        strvec_append_moved(&to->generate_dirs, &from->generate_dirs) ||
        strvec_append_moved(&to->generated, &from->generated) ||
        strvec_append_moved(&to->fixture_ids, &from->fixture_ids) ||
        strvec_append_moved(&to->uncertain_dirs, &from->uncertain_dirs))
        return tmd_error(TMD_ENOMEM, "collect: out of memory");
    return 0;
}

static int items_merge(item_list *to, item_list *from)
{
    if (!from->n)
        return 0;
    if (to->n + from->n > to->cap) {
        size_t cap = to->cap ? to->cap : 64;
        while (cap < to->n + from->n)
            cap *= 2;
        tmd_collected *grown = realloc(to->v, cap * sizeof *grown);
        if (!grown)
            return tmd_error(TMD_ENOMEM, "collect: out of memory");
        to->v = grown;
        to->cap = cap;
    }
    memcpy(to->v + to->n, from->v, from->n * sizeof *from->v);
    to->n += from->n;
    free(from->v);
    memset(from, 0, sizeof *from);
    return 0;
}

static int threads_to_use(void)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int t = cpus > 0 ? (int)cpus : 1;
    return t > MAX_THREADS ? MAX_THREADS : t;
}

size_t collect_parse_count(void)
{
    return atomic_load(&parses);
}

int collect_parse_all(item_list *items, collect_facts *facts, int *conftest_unreadable,
                      const char *rootabs, const strvec *conftests, const strvec *files,
                      const strvec *doctest_only, const pytest_config *cfg, collect_reuse *reuse)
{
    *conftest_unreadable = 0;
    size_t nunits = conftests->n + files->n;
    job j;
    memset(&j, 0, sizeof j);
    j.rootabs = rootabs;
    j.conftests = conftests;
    j.files = files;
    j.doctest_only = doctest_only;
    j.cfg = cfg;
    j.facts = facts;
    j.err_at = SIZE_MAX;
    pthread_mutex_init(&j.lock, NULL);
    j.part = calloc(nunits ? nunits : 1, sizeof *j.part);
    j.items = calloc(files->n ? files->n : 1, sizeof *j.items);
    j.conftest_unreadable = calloc(conftests->n ? conftests->n : 1, 1);
    if (reuse && reuse->files) {
        j.reuse = reuse;
        j.same = calloc(nunits ? nunits : 1, 1);
    }
    int threads = threads_to_use();
    int rc = 0;
    if (!j.part || !j.items || !j.conftest_unreadable || (j.reuse && !j.same))
        rc = tmd_error(TMD_ENOMEM, "collect: out of memory");
    /* fixtures and hooks first: they decide whether tests are parametrized */
    if (!rc)
        rc = run_phase(&j, 1, nunits, threads);
    for (size_t u = 0; u < nunits && !rc; u++)
        rc = facts_merge(facts, &j.part[u]);
    for (size_t u = 0; u < conftests->n; u++)
        *conftest_unreadable |= j.conftest_unreadable[u];
    if (!rc)
        rc = collect_facts_finish(facts);
    if (!rc && j.reuse)
        collect_files_facts_done(reuse->files, facts);
    if (!rc)
        rc = run_phase(&j, 2, files->n, threads);
    if (reuse)
        reuse->changed = atomic_load(&j.changed);
    if (!rc && j.reuse && !reuse->changed) /* before the lists are merged away */
        collect_files_save(reuse->files, reuse->dir);
    size_t total = items->n;
    for (size_t i = 0; i < files->n && !rc; i++)
        total += j.items[i].n;
    if (!rc && total > items->cap) { /* one allocation: the lists hold megabytes */
        tmd_collected *grown = realloc(items->v, total * sizeof *grown);
        if (!grown)
            rc = tmd_error(TMD_ENOMEM, "collect: out of memory");
        else
            items->v = grown, items->cap = total;
    }
    for (size_t i = 0; i < files->n && !rc; i++)
        rc = items_merge(items, &j.items[i]);
    for (size_t u = 0; j.part && u < nunits; u++)
        collect_facts_free(&j.part[u]);
    for (size_t i = 0; j.items && i < files->n; i++)
        item_list_free(&j.items[i]);
    free(j.part);
    free(j.items);
    free(j.conftest_unreadable);
    free(j.same);
    pthread_mutex_destroy(&j.lock);
    return rc;
}
