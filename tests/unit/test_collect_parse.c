/* test_collect_parse.c: a suite large enough to be collected on several
 * threads (collect_parse.c) gives exactly the items pytest's rules give, in
 * order, every time: fixtures from a conftest and from the modules
 * themselves, a folder whose conftest changes collection, unreadable
 * modules. tmd_collect_start/finish (collect_async.c) give the same
 * collection, and the same error, as tmd_collect_project. */
#include "error.h"
#include "support.h"
#include "tmdiff.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NMODULES 240

static char root[256];

static void write_file(const char *rel, const char *text)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    for (char *s = path + strlen(root) + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            mkdir(path, 0700);
            *s = '/';
        }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

typedef struct want {
    char id[200];
    tmd_collect_kind kind;
} want;

static int cmp_want(const void *a, const void *b) { return strcmp(((const want *)a)->id, ((const want *)b)->id); }

/* Writes the suite; returns the items pytest's rules give, sorted. */
static want *make_suite(size_t *n)
{
    write_file("pytest.ini", "[pytest]\ntestpaths = tests\n");
    write_file("tests/conftest.py", "import pytest\n\n@pytest.fixture(params=[1, 2])\n"
                                    "def shared(request):\n    return request.param\n");
    write_file("tests/sub3/conftest.py", "import sys\ncollect_ignore = [] if sys.version_info > (3,) else [\"x\"]\n");
    want *w = calloc(5 * NMODULES, sizeof *w);
    assert_non_null(w);
    size_t k = 0;
    for (int i = 0; i < NMODULES; i++) {
        char rel[100], text[1000];
        snprintf(rel, sizeof rel, "tests/sub%d/test_m%03d.py", i % 4, i);
        if (i % 50 == 7) { /* a latin-1 byte under a latin-1 cookie: not read */
            write_file(rel, "# -*- coding: latin-1 -*-\ndef test_a():\n    s = '\xe9'\n");
            snprintf(w[k].id, sizeof w[k].id, "%s", rel);
            w[k++].kind = TMD_COLLECT_PREFIX;
            continue;
        }
        int local = i % 5 == 0;
        snprintf(text, sizeof text,
                 "import pytest\n\n"
                 "def test_a():\n    pass\n\n"
                 "def test_b(shared):\n    pass\n\n"
                 "class TestC:\n    def test_x(self):\n        pass\n%s",
                 local ? "\n@pytest.fixture(params=['x', 'y'])\ndef mine(request):\n"
                         "    return request.param\n\ndef test_local(mine):\n    pass\n"
                       : "\ndef test_local(other):\n    pass\n");
        write_file(rel, text);
        if (i % 4 == 3) { /* its folder's conftest changes collection */
            snprintf(w[k].id, sizeof w[k].id, "%s", rel);
            w[k++].kind = TMD_COLLECT_PREFIX;
            continue;
        }
        snprintf(w[k].id, sizeof w[k].id, "%s::test_a", rel);
        w[k++].kind = TMD_COLLECT_EXACT;
        snprintf(w[k].id, sizeof w[k].id, "%s::test_b", rel);
        w[k++].kind = TMD_COLLECT_PREFIX;
        snprintf(w[k].id, sizeof w[k].id, "%s::TestC::test_x", rel);
        w[k++].kind = TMD_COLLECT_EXACT;
        /* `mine` is parametrized: in the modules that define it, and (by
         * name, as tmdiff reads fixtures) wherever it is requested */
        snprintf(w[k].id, sizeof w[k].id, "%s::test_local", rel);
        w[k++].kind = local ? TMD_COLLECT_PREFIX : TMD_COLLECT_EXACT;
    }
    qsort(w, k, sizeof *w, cmp_want);
    *n = k;
    return w;
}

static void assert_collection(const tmd_collection *c, const want *w, size_t n)
{
    assert_null(c->inexact);
    assert_int_equal(c->count, n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(c->items[i].nodeid, w[i].id);
        assert_int_equal(c->items[i].kind, w[i].kind);
    }
    assert_int_equal(c->nfiles, NMODULES);
}

static void many_modules_as_pytest_collects(void **state)
{
    (void)state;
    size_t n = 0;
    want *w = make_suite(&n);
    setenv("TMDIFF_COLLECT_CACHE", "", 1); /* parsed every time */
    for (int round = 0; round < 3; round++) {
        tmd_collection c;
        assert_int_equal(tmd_collect_project(&c, root), 0);
        assert_collection(&c, w, n);
        tmd_collection_free(&c);
    }
    free(w);
}

static void started_collection_is_the_same(void **state)
{
    (void)state;
    size_t n = 0;
    want *w = make_suite(&n);
    setenv("TMDIFF_COLLECT_CACHE", "", 1);
    tmd_collect_job *job = NULL;
    assert_int_equal(tmd_collect_start(&job, root, NULL, 0, NULL), 0);
    assert_non_null(job);
    tmd_collection c;
    assert_int_equal(tmd_collect_finish(job, &c), 0);
    assert_collection(&c, w, n);
    tmd_collection_free(&c);
    /* `also` is copied: the caller's strings may go before the thread reads them */
    char *also = strdup("elsewhere/helper_checks.py");
    assert_non_null(also);
    write_file("elsewhere/helper_checks.py", "def test_h():\n    pass\n");
    assert_int_equal(tmd_collect_start(&job, root, (const char *const *)&also, 1, NULL), 0);
    free(also);
    assert_int_equal(tmd_collect_finish(job, &c), 0);
    assert_int_equal(c.count, n + 1);
    assert_int_equal(tmd_collection_lookup(&c, "elsewhere/helper_checks.py::test_h"),
                     TMD_COLLECTED_YES);
    tmd_collection_free(&c);
    /* finished without a result: waited for and released */
    assert_int_equal(tmd_collect_start(&job, root, NULL, 0, NULL), 0);
    assert_int_equal(tmd_collect_finish(job, NULL), 0);
    free(w);
}

/* .col files in `dir` (0 when it does not exist). */
static int cache_files_in(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += strstr(e->d_name, ".col") != NULL;
    if (d)
        closedir(d);
    return n;
}

static void started_collection_keeps_its_cache_where_told(void **state)
{
    (void)state;
    size_t n = 0;
    want *w = make_suite(&n);
    char given[300], given_sub[320], env_dir[320];
    snprintf(given, sizeof given, "%s.cache", root);
    snprintf(given_sub, sizeof given_sub, "%s/collect", given);
    snprintf(env_dir, sizeof env_dir, "%s.envcache", root);
    setenv("TMDIFF_COLLECT_CACHE", env_dir, 1); /* a given folder comes first */
    tmd_collect_cache off = {given, 1}, on = {given, 0};
    tmd_collect_job *job = NULL;
    tmd_collection c;
    assert_int_equal(tmd_collect_start(&job, root, NULL, 0, &off), 0);
    assert_int_equal(tmd_collect_finish(job, &c), 0);
    assert_collection(&c, w, n);
    tmd_collection_free(&c);
    assert_int_equal(cache_files_in(given_sub), 0);
    for (int round = 0; round < 2; round++) { /* written, then read back */
        assert_int_equal(tmd_collect_start(&job, root, NULL, 0, &on), 0);
        assert_int_equal(tmd_collect_finish(job, &c), 0);
        assert_collection(&c, w, n);
        assert_int_equal(c.arena != NULL, round == 1);
        tmd_collection_free(&c);
        assert_int_equal(cache_files_in(given_sub), 1);
    }
    assert_int_equal(cache_files_in(env_dir), 0);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", given, env_dir);
    assert_int_equal(system(cmd), 0);
    free(w);
}

static void started_collection_fails_the_same(void **state)
{
    (void)state;
    char missing[300];
    snprintf(missing, sizeof missing, "%s/no/such/folder", root);
    tmd_collection c;
    int sync_rc = tmd_collect_project(&c, missing);
    assert_int_not_equal(sync_rc, 0);
    char sync_msg[600];
    snprintf(sync_msg, sizeof sync_msg, "%s", tmd_error_message());
    tmd_error_clear();
    tmd_collect_job *job = NULL;
    assert_int_equal(tmd_collect_start(&job, missing, NULL, 0, NULL), 0);
    assert_int_equal(tmd_collect_finish(job, &c), sync_rc);
    assert_string_equal(tmd_error_message(), sync_msg);
    assert_int_equal(c.count, 0);
    assert_null(c.items);
}

int main(void)
{
    snprintf(root, sizeof root, "/tmp/test_collect_parse.XXXXXX");
    if (!mkdtemp(root))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(many_modules_as_pytest_collects),
        cmocka_unit_test(started_collection_is_the_same),
        cmocka_unit_test(started_collection_keeps_its_cache_where_told),
        cmocka_unit_test(started_collection_fails_the_same),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    if (system(cmd) != 0 && !rc)
        rc = 1;
    return rc;
}
