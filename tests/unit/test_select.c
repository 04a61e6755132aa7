/* test_select.c: file state (git index by content, root confinement) and the
 * selection rules on small synthetic projects. The conformance scenarios run
 * end to end in tests/e2e/select_conformance.py; these pin single rules. */
#include "depindex.h"
#include "select_internal.h"
#include "support.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

static char dir[256];

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return system(cmd);
}

#define GIT "git -c user.name=t -c user.email=t@t.invalid -c core.autocrlf=false " \
            "-c commit.gpgsign=false"

static void write_file(const char *rel, const char *text)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/tmdiff-test-select-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    return sh("mkdir -p '%s/root' '%s/outside'", dir, dir);
}

static int teardown(void **state)
{
    (void)state;
    return sh("rm -rf '%s'", dir);
}

static void test_select__names_below_the_root(void **state)
{
    (void)state;
    assert_true(tmd_filestate_name_ok("a.py"));
    assert_true(tmd_filestate_name_ok("pkg/sub/a.py"));
    assert_true(tmd_filestate_name_ok("..a/b..py"));
    assert_false(tmd_filestate_name_ok(""));
    assert_false(tmd_filestate_name_ok("/etc/passwd"));
    assert_false(tmd_filestate_name_ok("../a.py"));
    assert_false(tmd_filestate_name_ok("pkg/../../a.py"));
    assert_false(tmd_filestate_name_ok("pkg/./a.py"));
    assert_false(tmd_filestate_name_ok("pkg//a.py"));
    assert_false(tmd_filestate_name_ok("pkg/"));
}

/* The blob id `git hash-object` gives, read back from git itself. */
static void git_blob_id(const char *rel, char out[41])
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "cd '%s/root' && git hash-object '%s'", dir, rel);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    assert_non_null(fgets(out, 41, p));
    pclose(p);
}

static void state_of(tmd_file_now *out, const char *rel)
{
    char root[300];
    snprintf(root, sizeof root, "%s/root", dir);
    tmd_filestate *fs = NULL;
    assert_int_equal(tmd_filestate_open(&fs, root), TMD_OK);
    assert_int_equal(tmd_filestate_get(out, fs, rel), TMD_OK);
    tmd_filestate_close(fs);
}

static void test_select__git_decides_by_content(void **state)
{
    (void)state;
    /* Outside any repository every file gets testmon's own fsha. */
    write_file("root/crlf.py", "x = 1\r\ny = 2\r\n");
    tmd_file_now f;
    state_of(&f, "crlf.py");
    assert_true(f.present);
    assert_false(f.git_clean);
    char own[41];
    memcpy(own, f.fsha, sizeof own);
    tmd_file_now_free(&f);

    write_file("root/a.py", "def f():\n    return 1\n");
    assert_int_equal(sh("cd '%s/root' && " GIT " init -q && " GIT " add -A && " GIT
                        " commit -q -m base", dir), 0);
    char blob[41];
    git_blob_id("crlf.py", blob);
    /* Committed and unmodified: git's blob id, which for CRLF text is not
     * testmon's own fsha (CRLF becomes LF before its hash). */
    state_of(&f, "crlf.py");
    assert_true(f.git_clean);
    assert_string_equal(f.fsha, blob);
    assert_string_not_equal(f.fsha, own);
    tmd_file_now_free(&f);

    /* Same content, new timestamps: still unmodified (no stat shortcuts). */
    struct utimbuf old = {1000000000, 1000000000};
    char path[600];
    snprintf(path, sizeof path, "%s/root/a.py", dir);
    assert_int_equal(utime(path, &old), 0);
    git_blob_id("a.py", blob);
    state_of(&f, "a.py");
    assert_true(f.git_clean);
    assert_string_equal(f.fsha, blob);
    tmd_file_now_free(&f);

    /* Modified in the work tree: testmon's own fsha of the new content,
     * even with the old timestamp restored. */
    write_file("root/a.py", "def f():\n    return 2\n");
    assert_int_equal(utime(path, &old), 0);
    git_blob_id("a.py", blob);
    state_of(&f, "a.py");
    assert_false(f.git_clean);
    assert_string_equal(f.fsha, blob); /* ASCII LF text: both hashes agree */
    tmd_file_now_free(&f);

    /* Staged: the index holds the new blob, so git reports it unmodified. */
    assert_int_equal(sh("cd '%s/root' && " GIT " add a.py", dir), 0);
    state_of(&f, "a.py");
    assert_true(f.git_clean);
    tmd_file_now_free(&f);

    /* Untracked. */
    write_file("root/new.py", "z = 3\n");
    state_of(&f, "new.py");
    assert_true(f.present);
    assert_false(f.git_clean);
    tmd_file_now_free(&f);

    /* Missing. */
    state_of(&f, "gone.py");
    assert_false(f.present);
    assert_false(f.unsafe);
    tmd_file_now_free(&f);
}

static void test_select__never_reads_outside_the_root(void **state)
{
    (void)state;
    write_file("outside/secret.py", "password = 1\n");
    assert_int_equal(sh("ln -sf '%s/outside/secret.py' '%s/root/link.py' && "
                        "ln -sf '%s/outside' '%s/root/linkdir' && "
                        "ln -sf a.py '%s/root/inner.py'", dir, dir, dir, dir, dir), 0);
    tmd_file_now f;
    state_of(&f, "link.py");
    assert_false(f.present);
    assert_true(f.unsafe);
    assert_null(f.bytes);
    tmd_file_now_free(&f);
    state_of(&f, "linkdir/secret.py");
    assert_false(f.present);
    assert_true(f.unsafe);
    tmd_file_now_free(&f);
    state_of(&f, "../outside/secret.py");
    assert_false(f.present);
    assert_true(f.unsafe);
    tmd_file_now_free(&f);
    /* A symlink that stays inside the root is followed, as Python would. */
    state_of(&f, "inner.py");
    assert_true(f.present);
    assert_false(f.unsafe);
    tmd_file_now_free(&f);
}

/* ---- the rules on a synthetic database ----------------------------------- */

static const char lib_v1[] =
    "def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return a * b\n";
static const char lib_v2[] = /* mul's body changes, add's does not */
    "def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return b * a\n";
static const char tests_py[] =
    "from lib import add, mul\n\n\ndef test_add():\n    assert add(1, 2) == 3\n\n\n"
    "def test_mul():\n    assert mul(2, 3) == 6\n";

/* Checksums of `text` as the engine computes them (dialect 3.11). */
static void checksums_of(const char *text, int32_t **out, size_t *n)
{
    tmd_source src;
    assert_int_equal(tmd_source_prepare(&src, (const uint8_t *)text, strlen(text)), TMD_OK);
    tmd_dialect d = {11, 2};
    tmd_fingerprint fp;
    assert_int_equal(tmd_fingerprint_python(&fp, &src, &d, 0), TMD_OK);
    assert_int_equal(fp.status, TMD_FP_BLOCKS);
    *n = fp.count;
    *out = malloc(fp.count * sizeof **out);
    memcpy(*out, fp.checksums, fp.count * sizeof **out);
    tmd_fingerprint_free(&fp);
    tmd_source_free(&src);
}

static void insert_fp(sqlite3 *db, int id, const char *file, const char *fsha,
                      const int32_t *sums, size_t n)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO file_fp VALUES (?, ?, ?, NULL, ?)", -1,
                                        &st, NULL), SQLITE_OK);
    sqlite3_bind_int(st, 1, id);
    sqlite3_bind_text(st, 2, file, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, sums, (int)(n * sizeof *sums), SQLITE_STATIC);
    if (fsha)
        sqlite3_bind_text(st, 4, fsha, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 4);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
}

/* A project "proj" with lib.py and test_lib.py committed, and a database
 * in which test_add ran add's block, test_mul mul's, test_old failed. */
/* The project's database, opened for writing (the caller closes it). */
static sqlite3 *open_project_db(void)
{
    char path[600];
    snprintf(path, sizeof path, "%s/proj/.testmondata", dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    return db;
}

static void make_project(void)
{
    assert_int_equal(sh("rm -rf '%s/proj' && mkdir '%s/proj'", dir, dir), 0);
    write_file("proj/lib.py", lib_v1);
    write_file("proj/test_lib.py", tests_py);
    assert_int_equal(sh("cd '%s/proj' && " GIT " init -q && " GIT " add -A && " GIT
                        " commit -q -m base", dir), 0);
    char lib_sha[41], t_sha[41], cmd[600];
    snprintf(cmd, sizeof cmd, "cd '%s/proj' && git hash-object lib.py test_lib.py", dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(fgets(lib_sha, 41, p));
    fgetc(p);
    assert_non_null(fgets(t_sha, 41, p));
    pclose(p);

    int32_t *lib, *tst;
    size_t nlib, ntst;
    checksums_of(lib_v1, &lib, &nlib);
    checksums_of(tests_py, &tst, &ntst);
    assert_int_equal(nlib, 3); /* add, mul, module */
    assert_int_equal(ntst, 3); /* test_add, test_mul, module */

    sqlite3 *db = open_project_db();
    assert_int_equal(sqlite3_exec(db,
        "PRAGMA user_version=14;"
        "CREATE TABLE environment (id INTEGER PRIMARY KEY, environment_name TEXT,"
        " system_packages TEXT, python_version TEXT);"
        "CREATE TABLE test_execution (id INTEGER PRIMARY KEY, environment_id INTEGER,"
        " test_name TEXT, duration FLOAT, failed BIT, forced BIT);"
        "CREATE TABLE file_fp (id INTEGER PRIMARY KEY, filename TEXT, method_checksums BLOB,"
        " mtime FLOAT, fsha TEXT);"
        "CREATE TABLE test_execution_file_fp (test_execution_id INTEGER, fingerprint_id INTEGER);"
        "INSERT INTO environment VALUES (1, 'default', 'pytest 7.2', '3.11.2');"
        "INSERT INTO environment VALUES (2, 'other', 'pytest 7.2', '3.11.2');"
        "INSERT INTO test_execution VALUES (1, 1, 'test_lib.py::test_add', 1.0, 0, 0);"
        "INSERT INTO test_execution VALUES (2, 1, 'test_lib.py::test_mul', 2.0, 0, 0);"
        "INSERT INTO test_execution VALUES (3, 1, 'test_lib.py::test_old', 4.0, 1, 0);"
        "INSERT INTO test_execution VALUES (4, 2, 'test_lib.py::test_mul', 8.0, 0, 0);",
        NULL, NULL, NULL), SQLITE_OK);
    /* test_add: lib's add + module blocks, test_lib's test_add + module. */
    int32_t add_fp[2] = {lib[0], lib[2]}, mul_fp[2] = {lib[1], lib[2]};
    int32_t tadd[2] = {tst[0], tst[2]}, tmul[2] = {tst[1], tst[2]};
    insert_fp(db, 1, "lib.py", lib_sha, add_fp, 2);
    insert_fp(db, 2, "lib.py", lib_sha, mul_fp, 2);
    insert_fp(db, 3, "test_lib.py", t_sha, tadd, 2);
    insert_fp(db, 4, "test_lib.py", t_sha, tmul, 2);
    assert_int_equal(sqlite3_exec(db,
        "INSERT INTO test_execution_file_fp VALUES (1, 1), (1, 3), (2, 2), (2, 4), (4, 2);",
        NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    free(lib);
    free(tst);
}

static tmd_selection *select_proj(int precise)
{
    char root[300];
    snprintf(root, sizeof root, "%s/proj", dir);
    tmd_select_options o = TMD_SELECT_OPTIONS_INIT;
    o.root = root;
    o.env_check = 0;
    o.collect = 0;
    o.precise = precise;
    tmd_selection *sel = NULL;
    int rc = tmd_select_run(&sel, &o);
    if (rc != TMD_OK)
        fail_msg("select: %s", tmd_error_message());
    return sel;
}

static const tmd_test_verdict *verdict(const tmd_selection *sel, const char *name)
{
    for (size_t i = 0; i < sel->ntests; i++)
        if (!strcmp(sel->tests[i].node_id, name))
            return &sel->tests[i];
    fail_msg("no verdict for %s", name);
    return NULL;
}

static void test_select__unchanged_tree_runs_only_failures(void **state)
{
    (void)state;
    make_project();
    tmd_selection *sel = select_proj(0);
    assert_int_equal(sel->nknown, 3); /* environment 'default' only */
    assert_int_equal(sel->nfiles, 0);
    assert_int_equal(verdict(sel, "test_lib.py::test_add")->why, 0);
    assert_int_equal(verdict(sel, "test_lib.py::test_mul")->why, 0);
    /* test_old's home file exists; it failed, so it runs. */
    assert_int_equal(verdict(sel, "test_lib.py::test_old")->why, TMD_WHY_FAILED);
    assert_int_equal(sel->nselected, 1);
    assert_true(sel->seconds_total == 7.0);
    tmd_selection_free(sel);
}

static void test_select__changed_body_affects_its_tests_only(void **state)
{
    (void)state;
    make_project();
    write_file("proj/lib.py", lib_v2);
    tmd_selection *sel = select_proj(0);
    assert_int_equal(sel->nfiles, 1);
    assert_string_equal(sel->files[0].filename, "lib.py");
    assert_int_equal(sel->files[0].state, TMD_FILE_BLOCKS);
    assert_true(sel->files[0].dedented); /* modified in the work tree */
    assert_int_equal(verdict(sel, "test_lib.py::test_add")->why, 0);
    const tmd_test_verdict *mul = verdict(sel, "test_lib.py::test_mul");
    assert_int_equal(mul->why, TMD_WHY_AFFECTED);
    assert_int_equal(mul->nchanges, 1);
    assert_int_equal(mul->changes[0].nmissing, 1); /* mul's block; the module block stays */
    tmd_selection_free(sel);

    /* Committed, the same answer (checksums decide, not how git sees it). */
    assert_int_equal(sh("cd '%s/proj' && " GIT " commit -q -am v2", dir), 0);
    sel = select_proj(0);
    assert_false(sel->files[0].dedented);
    assert_int_equal(verdict(sel, "test_lib.py::test_add")->why, 0);
    assert_int_equal(verdict(sel, "test_lib.py::test_mul")->why, TMD_WHY_AFFECTED);
    tmd_selection_free(sel);
}

static void test_select__missing_or_broken_file_affects_all_dependants(void **state)
{
    (void)state;
    make_project();
    write_file("proj/lib.py", "def add(a, b):\n    return a +\n");
    tmd_selection *sel = select_proj(0);
    /* NO_PARSE, or INEXACT where the dumper cannot prove what CPython's
     * parser says: either way no blocks. */
    assert_true(sel->files[0].state == TMD_FILE_NO_PARSE ||
                sel->files[0].state == TMD_FILE_INEXACT);
    assert_int_equal(verdict(sel, "test_lib.py::test_add")->why, TMD_WHY_AFFECTED);
    assert_int_equal(verdict(sel, "test_lib.py::test_mul")->why, TMD_WHY_AFFECTED);
    assert_int_equal(verdict(sel, "test_lib.py::test_add")->changes[0].nmissing, 2);
    tmd_selection_free(sel);

    assert_int_equal(sh("rm '%s/proj/lib.py'", dir), 0);
    sel = select_proj(0);
    assert_int_equal(sel->files[0].state, TMD_FILE_MISSING);
    assert_int_equal(verdict(sel, "test_lib.py::test_add")->why, TMD_WHY_AFFECTED);
    assert_int_equal(verdict(sel, "test_lib.py::test_mul")->why, TMD_WHY_AFFECTED);
    tmd_selection_free(sel);

    /* The test file itself gone: its tests cannot run, so none is named. */
    make_project();
    assert_int_equal(sh("rm '%s/proj/test_lib.py'", dir), 0);
    sel = select_proj(0);
    assert_int_equal(verdict(sel, "test_lib.py::test_add")->why, TMD_WHY_AFFECTED);
    assert_false(verdict(sel, "test_lib.py::test_add")->exists);
    assert_int_equal(sel->nselected, 0);
    tmd_selection_free(sel);
}

static void test_select__whitespace_only_edit_changes_nothing(void **state)
{
    (void)state;
    make_project();
    char edited[sizeof lib_v1 + 40];
    snprintf(edited, sizeof edited, "# a comment\n%s\n\n", lib_v1);
    write_file("proj/lib.py", edited);
    tmd_selection *sel = select_proj(0);
    assert_int_equal(sel->nfiles, 1); /* the fsha changed ... */
    assert_int_equal(verdict(sel, "test_lib.py::test_add")->why, 0); /* ... no checksum did */
    assert_int_equal(verdict(sel, "test_lib.py::test_mul")->why, 0);
    tmd_selection_free(sel);
}

/* testmon dedents a locally modified file, so a whitespace-only line inside
 * a string changes that block; --precise also accepts the blocks of the
 * text as it is, which is what CI recorded. */
static void test_select__precise_drops_the_dedent_quirk(void **state)
{
    (void)state;
    static const char lib_doc[] =
        "def add(a, b):\n    \"\"\"Sum.\n    \n    More.\"\"\"\n    return a + b\n\n\n"
        "def mul(a, b):\n    return a * b\n";
    static const char lib_doc2[] =
        "def add(a, b):\n    \"\"\"Sum.\n    \n    More.\"\"\"\n    return a + b\n\n\n"
        "def mul(a, b):\n    return b * a\n";
    make_project();
    write_file("proj/lib.py", lib_doc);
    assert_int_equal(sh("cd '%s/proj' && " GIT " commit -q -am doc", dir), 0);
    /* Re-record lib.py's fingerprints from the committed text. */
    int32_t *sums;
    size_t n;
    checksums_of(lib_doc, &sums, &n);
    char sha[41], cmd[600];
    snprintf(cmd, sizeof cmd, "cd '%s/proj' && git hash-object lib.py", dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(fgets(sha, 41, p));
    pclose(p);
    sqlite3 *db = open_project_db();
    assert_int_equal(sqlite3_exec(db, "DELETE FROM file_fp WHERE filename = 'lib.py'", NULL, NULL,
                                  NULL), SQLITE_OK);
    int32_t add_fp[2] = {sums[0], sums[2]}, mul_fp[2] = {sums[1], sums[2]};
    insert_fp(db, 1, "lib.py", sha, add_fp, 2);
    insert_fp(db, 2, "lib.py", sha, mul_fp, 2);
    sqlite3_close(db);
    free(sums);

    write_file("proj/lib.py", lib_doc2); /* only mul's body changes */
    tmd_selection *sel = select_proj(0);
    /* testmon: the dedent alters add's docstring too. */
    assert_int_equal(verdict(sel, "test_lib.py::test_add")->why, TMD_WHY_AFFECTED);
    assert_int_equal(verdict(sel, "test_lib.py::test_mul")->why, TMD_WHY_AFFECTED);
    tmd_selection_free(sel);
    sel = select_proj(1);
    assert_int_equal(verdict(sel, "test_lib.py::test_add")->why, 0);
    assert_int_equal(verdict(sel, "test_lib.py::test_mul")->why, TMD_WHY_AFFECTED);
    tmd_selection_free(sel);
}

static void test_select__null_fsha_is_changed(void **state)
{
    (void)state;
    make_project();
    sqlite3 *db = open_project_db();
    /* A placeholder fingerprint (collected, never ran): one checksum that
     * matches no block, fsha NULL. */
    int32_t never = 0x7ead0000;
    assert_int_equal(sqlite3_exec(db, "INSERT INTO test_execution VALUES (5, 1, "
                                      "'test_lib.py::test_new', 0, 0, 0);", NULL, NULL, NULL),
                     SQLITE_OK);
    insert_fp(db, 9, "test_lib.py", NULL, &never, 1);
    assert_int_equal(sqlite3_exec(db, "INSERT INTO test_execution_file_fp VALUES (5, 9);", NULL,
                                  NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    tmd_selection *sel = select_proj(0);
    assert_int_equal(verdict(sel, "test_lib.py::test_new")->why, TMD_WHY_AFFECTED);
    assert_int_equal(verdict(sel, "test_lib.py::test_add")->why, 0);
    tmd_selection_free(sel);
}

static tmd_selection *select_collected(int no_cache)
{
    char root[300], cache[320];
    snprintf(root, sizeof root, "%s/proj", dir);
    snprintf(cache, sizeof cache, "%s/cache", dir);
    tmd_select_options o = TMD_SELECT_OPTIONS_INIT;
    o.root = root;
    o.env_check = 0;
    o.collect = 1;
    o.cache_dir = cache;
    o.no_cache = no_cache;
    tmd_selection *sel = NULL;
    if (tmd_select_run(&sel, &o) != TMD_OK)
        fail_msg("select: %s", tmd_error_message());
    return sel;
}

static void assert_sorted_by_name(const tmd_selection *sel)
{
    for (size_t i = 1; i < sel->ntests; i++)
        if (strcmp(sel->tests[i - 1].node_id, sel->tests[i].node_id) > 0)
            fail_msg("not sorted: %s before %s", sel->tests[i - 1].node_id,
                     sel->tests[i].node_id);
}

/* Stored tests in no name order (ids as testmon gave them), tests that are
 * gone, a new one and a parametrized one (a PREFIX item): the verdicts come
 * out sorted by name, each with the collector's answer. */
static void test_select__collection_merges_with_stored_tests(void **state)
{
    (void)state;
    make_project();
    write_file("proj/test_z.py", "def test_b():\n    pass\n\n\ndef test_a():\n    pass\n");
    write_file("proj/test_p.py", "import pytest\n\n\n@pytest.mark.parametrize('x', [1, 2])\n"
                                 "def test_p(x):\n    pass\n");
    sqlite3 *db = open_project_db();
    assert_int_equal(sqlite3_exec(db,
        "INSERT INTO test_execution VALUES (5, 1, 'test_z.py::test_b', 0, 0, 0);"
        "INSERT INTO test_execution VALUES (6, 1, 'test_lib.py::test_zz', 0, 0, 0);"
        "INSERT INTO test_execution VALUES (7, 1, 'test_a_gone.py::test_x', 0, 0, 0);"
        "INSERT INTO test_execution VALUES (8, 1, 'test_p.py::test_p[2]', 0, 0, 0);"
        "INSERT INTO test_execution VALUES (9, 1, 'test_p.py::test_p[1]', 0, 0, 0);",
        NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    for (int no_cache = 1; no_cache >= 0; no_cache--) {
        tmd_selection *sel = select_collected(no_cache);
        assert_sorted_by_name(sel);
        assert_int_equal(sel->nknown, 8);
        const tmd_test_verdict *v = verdict(sel, "test_z.py::test_a");
        assert_true(v->why == TMD_WHY_NEW && v->exists && !v->known);
        v = verdict(sel, "test_z.py::test_b");
        assert_true(v->why == 0 && v->exists && v->known);
        assert_false(verdict(sel, "test_lib.py::test_zz")->exists);
        assert_false(verdict(sel, "test_a_gone.py::test_x")->exists);
        assert_false(verdict(sel, "test_lib.py::test_old")->exists);
        assert_true(verdict(sel, "test_p.py::test_p[1]")->exists); /* under the PREFIX */
        assert_true(verdict(sel, "test_p.py::test_p[2]")->exists);
        assert_true(verdict(sel, "test_lib.py::test_add")->exists);
        /* the parametrized function is reported as new only if its IDs are
         * not provably all stored: either way nothing known is lost */
        size_t fresh = 0;
        for (size_t i = 0; i < sel->ntests; i++)
            fresh += !sel->tests[i].known;
        assert_true(fresh >= 1 && sel->ntests == 8 + fresh);
        tmd_selection_free(sel);
    }
}

/* Tests the static collection does not model (doctests, a plugin's YAML
 * items) run while their file exists; a new doctest text file is new; a
 * config the collection cannot follow leaves the selection undecided. */
static void test_select__tests_the_collection_cannot_judge(void **state)
{
    (void)state;
    make_project();
    write_file("proj/test_notes.txt", ">>> 1 + 1\n2\n");
    write_file("proj/test_new.txt", ">>> 2\n2\n");
    write_file("proj/api.yaml", "- test: get\n");
    sqlite3 *db = open_project_db();
    assert_int_equal(sqlite3_exec(db,
        "INSERT INTO test_execution VALUES (5, 1, 'test_notes.txt::test_notes.txt', 0, 1, 0);"
        "INSERT INTO test_execution VALUES (6, 1, 'lib.py::lib.add', 0, 1, 0);"
        "INSERT INTO test_execution VALUES (7, 1, 'gone.txt::gone.txt', 0, 1, 0);"
        "INSERT INTO test_execution VALUES (8, 1, 'api.yaml::test_get', 0, 1, 0);"
        "INSERT INTO test_execution VALUES (9, 1, 'test_lib.py::test_lib.helper', 0, 1, 0);",
        NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    for (int no_cache = 1; no_cache >= 0; no_cache--) {
        tmd_selection *sel = select_collected(no_cache);
        static const char *const run[] = {"test_notes.txt::test_notes.txt", "lib.py::lib.add",
                                          "api.yaml::test_get", "test_lib.py::test_lib.helper"};
        for (size_t i = 0; i < sizeof run / sizeof *run; i++)
            if (!verdict(sel, run[i])->exists || verdict(sel, run[i])->why != TMD_WHY_FAILED)
                fail_msg("%s should run", run[i]);
        assert_false(verdict(sel, "gone.txt::gone.txt")->exists);
        const tmd_test_verdict *v = verdict(sel, "test_new.txt");
        assert_true(v->why == TMD_WHY_NEW && v->exists && !v->known);
        tmd_selection_free(sel);
    }
    /* every collected test stored: the YAML test still runs */
    assert_int_equal(sh("rm '%s/proj/test_notes.txt' '%s/proj/test_new.txt'", dir, dir), 0);
    for (int no_cache = 1; no_cache >= 0; no_cache--) {
        tmd_selection *sel = select_collected(no_cache);
        assert_true(verdict(sel, "api.yaml::test_get")->exists);
        assert_false(verdict(sel, "test_notes.txt::test_notes.txt")->exists);
        tmd_selection_free(sel);
    }
    /* with --doctest-modules the collector reads docstrings: lib.py has none */
    write_file("proj/pytest.ini", "[pytest]\naddopts = --doctest-modules\n");
    tmd_selection *sel = select_collected(1);
    assert_false(verdict(sel, "lib.py::lib.add")->exists);
    assert_true(verdict(sel, "test_lib.py::test_lib.helper")->exists == 0);
    tmd_selection_free(sel);
    write_file("proj/pytest.ini", "[pytest]\naddopts = --pyargs mypkg\n");
    char root[300];
    snprintf(root, sizeof root, "%s/proj", dir);
    for (int no_cache = 1; no_cache >= 0; no_cache--) {
        tmd_select_options o = TMD_SELECT_OPTIONS_INIT;
        o.root = root;
        o.env_check = 0;
        o.collect = 1;
        o.no_cache = no_cache;
        char cache[320];
        snprintf(cache, sizeof cache, "%s/cache", dir);
        o.cache_dir = cache;
        sel = NULL;
        assert_int_equal(tmd_select_run(&sel, &o), TMD_EUNDECIDED);
        assert_null(sel);
        assert_non_null(strstr(tmd_error_message(), "--pyargs"));
    }
}

/* Every collected test stored (and one stored test gone): no new test. */
static void test_select__collection_of_known_tests_only(void **state)
{
    (void)state;
    make_project();
    tmd_selection *sel = select_collected(1);
    assert_sorted_by_name(sel);
    assert_int_equal(sel->ntests, 3);
    assert_true(verdict(sel, "test_lib.py::test_add")->exists);
    assert_true(verdict(sel, "test_lib.py::test_mul")->exists);
    assert_false(verdict(sel, "test_lib.py::test_old")->exists);
    assert_int_equal(sel->nselected, 0); /* test_old failed, but is gone */
    tmd_selection_free(sel);
    /* a test the database does not know is new */
    write_file("proj/test_lib.py", "from lib import add, mul\n\n\ndef test_add():\n    "
                                   "assert add(1, 2) == 3\n\n\ndef test_mul():\n    "
                                   "assert mul(2, 3) == 6\n\n\ndef test_more():\n    pass\n");
    sel = select_collected(1);
    assert_sorted_by_name(sel);
    assert_int_equal(sel->ntests, 4);
    assert_int_equal(verdict(sel, "test_lib.py::test_more")->why & TMD_WHY_NEW, TMD_WHY_NEW);
    tmd_selection_free(sel);
}

/* A cached dependency index whose links were damaged after it was saved
 * (checked only when read): the database's links decide, the same answer. */
static void test_select__damaged_index_links_fall_back_to_the_database(void **state)
{
    (void)state;
    make_project();
    write_file("proj/lib.py", lib_v2);
    char root[300], cache[320], cmd[700];
    snprintf(root, sizeof root, "%s/proj", dir);
    snprintf(cache, sizeof cache, "%s/cache-links", dir);
    assert_int_equal(sh("rm -rf '%s'", cache), 0);
    for (int round = 0; round < 3; round++) {
        tmd_select_options o = TMD_SELECT_OPTIONS_INIT;
        o.root = root;
        o.env_check = 0;
        o.collect = 0;
        o.cache_dir = cache;
        tmd_selection *sel = NULL;
        if (tmd_select_run(&sel, &o) != TMD_OK)
            fail_msg("select: %s", tmd_error_message());
        assert_int_equal(verdict(sel, "test_lib.py::test_add")->why, 0);
        const tmd_test_verdict *mul = verdict(sel, "test_lib.py::test_mul");
        assert_int_equal(mul->why, TMD_WHY_AFFECTED);
        assert_int_equal(mul->nchanges, 1);
        assert_int_equal(mul->changes[0].nmissing, 1);
        tmd_selection_free(sel);
        if (round == 0) {
            /* every link's test id turned into one no test has */
            snprintf(cmd, sizeof cmd, "ls '%s'/depindex/*.idx", cache);
            FILE *p = popen(cmd, "r");
            char idx[600] = "";
            assert_non_null(fgets(idx, sizeof idx, p));
            pclose(p);
            idx[strcspn(idx, "\n")] = '\0';
            size_t len = 0;
            unsigned char *data = (unsigned char *)support_read_file(idx, &len);
            assert_non_null(data);
            depindex_head h;
            memcpy(&h, data, sizeof h);
            size_t links0 = sizeof h + h.ntests * sizeof(depindex_test);
            assert_true(h.nlinks > 0 && links0 + h.nlinks * sizeof(int64_t) <= len);
            for (size_t i = 0; i < h.nlinks; i++)
                data[links0 + i * sizeof(int64_t) + 6] ^= 0x40;
            FILE *f = fopen(idx, "wb");
            assert_non_null(f);
            assert_int_equal(fwrite(data, 1, len, f), len);
            fclose(f);
            free(data);
        }
    }
}

/* ---- select_order.c ----------------------------------------------------- */

/* Verdicts named `names` (node_ids point at the strings: read only here),
 * duration i marks where each came from. */
static tmd_test_verdict *verdicts_of(const char *const *names, size_t n)
{
    tmd_test_verdict *v = calloc(n ? n : 1, sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < n; i++) {
        v[i].node_id = (char *)names[i];
        v[i].duration = (double)i;
        v[i].exists = 7; /* must be overwritten */
    }
    return v;
}

/* `nitems` items, "+" before a name making it a PREFIX. */
static tmd_collection collection_of(const char *const *items, size_t nitems)
{
    tmd_collection c;
    memset(&c, 0, sizeof c);
    c.count = nitems;
    c.items = calloc(nitems ? nitems : 1, sizeof *c.items);
    assert_non_null(c.items);
    for (size_t i = 0; i < nitems; i++) {
        int prefix = items[i][0] == '+';
        c.items[i].nodeid = (char *)items[i] + prefix;
        c.items[i].kind = prefix ? TMD_COLLECT_PREFIX : TMD_COLLECT_EXACT;
        c.items[i].why = prefix ? "parametrize" : NULL;
    }
    return c;
}

/* select_mark_existing on sorted names: the `exists` it sets (as a string
 * of 0/1) and its return. */
static int marks(const char *const *names, size_t n, const char *const *items, size_t nitems,
                 char *exists)
{
    tmd_test_verdict *v = verdicts_of(names, n);
    tmd_collection c = collection_of(items, nitems);
    int all = select_mark_existing(v, n, &c);
    for (size_t i = 0; i < n; i++)
        exists[i] = v[i].exists == 1 ? '1' : v[i].exists == 0 ? '0' : '?';
    exists[n] = '\0';
    free(c.items);
    free(v);
    return all;
}

static void test_select__existence_by_one_merge(void **state)
{
    (void)state;
    char ex[16];
    const char *t12[] = {"a.py::t1", "a.py::t2"};
    assert_int_equal(marks(t12, 2, t12, 2, ex), 1);
    assert_string_equal(ex, "11");
    const char *dup[] = {"a.py::t1", "a.py::t1", "a.py::t2"};
    assert_int_equal(marks(dup, 3, t12, 2, ex), 1); /* a name stored twice */
    assert_string_equal(ex, "111");
    assert_int_equal(marks(t12, 1, t12, 2, ex), 0); /* a.py::t2 is new */
    assert_string_equal(ex, "1");
    const char *trail[] = {"a.py::t1", "b.py::t"};
    assert_int_equal(marks(t12, 1, trail, 2, ex), 0); /* an item after every name */
    const char *lead[] = {"0.py::x", "a.py::t1"};
    assert_int_equal(marks(t12, 1, lead, 2, ex), 0); /* an item before every name */
    assert_string_equal(ex, "1");
    const char *gone[] = {"a.py::t0", "a.py::t1"};
    assert_int_equal(marks(gone, 2, t12, 1, ex), 1); /* a stored test no longer collected */
    assert_string_equal(ex, "01");
    assert_int_equal(marks(gone, 2, NULL, 0, ex), 1); /* nothing collected at all */
    assert_string_equal(ex, "00");
    /* PREFIX items: equal to a name, or standing for parametrized names */
    const char *prefix[] = {"+a.py::p"};
    const char *p[] = {"a.py::p"};
    assert_int_equal(marks(p, 1, prefix, 1, ex), 0); /* new_tests must judge it */
    assert_string_equal(ex, "1");
    const char *params[] = {"a.py::p[1]", "a.py::p[2]", "a.py::q"};
    assert_int_equal(marks(params, 3, prefix, 1, ex), 0);
    assert_string_equal(ex, "110"); /* found by the lookup's prefix search */
}

static void test_select__verdicts_sorted_and_merged(void **state)
{
    (void)state;
    const char *names[] = {"b.py::t", "a.py::t[2]", "a.py::t", "c.py::t", "a.py::t[10]"};
    tmd_test_verdict *v = verdicts_of(names, 5);
    assert_int_equal(select_sort_verdicts(v, 5), 0);
    const char *want[] = {"a.py::t", "a.py::t[10]", "a.py::t[2]", "b.py::t", "c.py::t"};
    const double from[] = {2, 4, 1, 0, 3};
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(v[i].node_id, want[i]);
        assert_true(v[i].duration == from[i]); /* the whole verdict moved */
    }
    assert_int_equal(select_sort_verdicts(v, 5), 0); /* sorted: unchanged */
    assert_string_equal(v[0].node_id, "a.py::t");
    free(v);
    /* two sorted runs: the known tests, then the new ones */
    const char *runs[] = {"a.py::t", "c.py::t", "e.py::t", "b.py::t", "d.py::t", "f.py::t"};
    v = verdicts_of(runs, 6);
    assert_int_equal(select_merge_verdicts(v, 3, 6), 0);
    for (size_t i = 1; i < 6; i++)
        assert_true(strcmp(v[i - 1].node_id, v[i].node_id) < 0);
    assert_true(v[1].duration == 3.0); /* b.py::t, from the second run */
    free(v);
}

/* A damaged file_fp row no test links to still fails the run, whether the
 * dependency index is cached or built in memory (the check it replaces). */
static void test_select__damaged_unlinked_row_fails_the_run(void **state)
{
    (void)state;
    make_project();
    sqlite3 *db = open_project_db();
    assert_int_equal(sqlite3_exec(db, "INSERT INTO file_fp VALUES (77, 'lib.py', X'0102030405', "
                                      "NULL, 'x');", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    char root[300], cache[320];
    snprintf(root, sizeof root, "%s/proj", dir);
    snprintf(cache, sizeof cache, "%s/cache-damaged", dir);
    for (int no_cache = 0; no_cache <= 1; no_cache++) {
        for (int again = 0; again < 2; again++) {
            tmd_select_options o = TMD_SELECT_OPTIONS_INIT;
            o.root = root;
            o.env_check = 0;
            o.collect = 0;
            o.cache_dir = cache;
            o.no_cache = no_cache;
            tmd_selection *sel = NULL;
            assert_int_equal(tmd_select_run(&sel, &o), TMD_EFORMAT);
            assert_null(sel);
            assert_non_null(strstr(tmd_error_message(), "file_fp row 77"));
            assert_non_null(strstr(tmd_error_message(), "5 bytes"));
        }
    }
}

/* ---- gitindex.c against git itself ---------------------------------------- */

/* git's own verdict, as testmon asks it: the blob id when
 * `git ls-files --stage -m` lists the path exactly once, else "". */
static void git_verdict(const char *repo, const char *rel, char out[41])
{
    char cmd[1200], line[512];
    snprintf(cmd, sizeof cmd, "cd '%s' && git ls-files --stage -m -- '%s'", repo, rel);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    int lines = 0;
    out[0] = '\0';
    while (fgets(line, sizeof line, p)) {
        lines++;
        char *sp = strchr(line, ' ');
        if (sp && strlen(sp + 1) > 40) {
            memcpy(out, sp + 1, 40);
            out[40] = '\0';
        }
    }
    pclose(p);
    if (lines != 1)
        out[0] = '\0';
}

/* tmdiff's verdict for the same file, in the same terms. */
static void our_verdict(const char *root, const char *rel, char out[41])
{
    tmd_filestate *fs = NULL;
    tmd_file_now f;
    assert_int_equal(tmd_filestate_open(&fs, root), TMD_OK);
    assert_int_equal(tmd_filestate_get(&f, fs, rel), TMD_OK);
    snprintf(out, 41, "%s", f.git_clean ? f.fsha : "");
    tmd_file_now_free(&f);
    tmd_filestate_close(fs);
}

static void agree(const char *repo, const char *const *files)
{
    for (; *files; files++) {
        char want[41], got[41];
        git_verdict(repo, *files, want);
        our_verdict(repo, *files, got);
        if (strcmp(want, got))
            fail_msg("%s: git says '%s', tmdiff '%s'", *files, want, got);
    }
}

static void test_select__index_versions_conflicts_and_intent_to_add(void **state)
{
    (void)state;
    char repo[300];
    snprintf(repo, sizeof repo, "%s/ix", dir);
    assert_int_equal(sh("rm -rf '%s' && mkdir -p '%s/pkg/deep' && cd '%s' && " GIT " init -q && "
                        "printf 'a = 1\\n' > a.py && printf 'b = 1\\n' > pkg/b.py && "
                        "printf 'c = 1\\n' > pkg/deep/c.py && printf 'x\\r\\n' > crlf.py && "
                        GIT " add -A && " GIT " commit -q -m one && "
                        "printf 'b = 2\\n' > pkg/b.py && printf 'n = 1\\n' > new.py && "
                        GIT " add -N new.py", repo, repo, repo), 0);
    static const char *const files[] = {"a.py", "pkg/b.py", "pkg/deep/c.py", "crlf.py",
                                        "new.py", "missing.py", NULL};
    agree(repo, files); /* version 3: intent-to-add needs extended flags */
    assert_int_equal(sh("cd '%s' && git update-index --index-version 4", repo), 0);
    agree(repo, files);
    assert_int_equal(sh("cd '%s' && git update-index --index-version 2 2>/dev/null; true", repo), 0);
    agree(repo, files);

    /* A merge conflict on a.py: listed three times, so not unmodified. */
    assert_int_equal(sh("cd '%s' && " GIT " reset -q --hard && " GIT " checkout -q -b side && "
                        "printf 'a = 2\\n' > a.py && " GIT " commit -q -am side && "
                        GIT " checkout -q - && printf 'a = 3\\n' > a.py && "
                        GIT " commit -q -am main && (" GIT " merge -q side >/dev/null 2>&1; true)",
                        repo), 0);
    static const char *const after[] = {"a.py", "pkg/b.py", NULL};
    agree(repo, after);
    char got[41];
    our_verdict(repo, "a.py", got);
    assert_string_equal(got, "");
}

static void test_select__subdirectory_roots_worktrees_and_filters(void **state)
{
    (void)state;
    char repo[300], sub[340], wt[340];
    snprintf(repo, sizeof repo, "%s/ix2", dir);
    snprintf(sub, sizeof sub, "%s/proj", repo);
    snprintf(wt, sizeof wt, "%s/ix2-wt", dir);
    assert_int_equal(sh("rm -rf '%s' '%s' && mkdir -p '%s' && cd '%s' && " GIT " init -q && "
                        "printf 'p = 1\\n' > proj/p.py && printf 'q = 1\\n' > top.py && "
                        GIT " add -A && " GIT " commit -q -m one",
                        repo, wt, sub, repo), 0);
    /* The root is a subdirectory of the work tree: names are relative to it. */
    char want[41], got[41];
    git_verdict(sub, "p.py", want);
    our_verdict(sub, "p.py", got);
    assert_string_not_equal(want, "");
    assert_string_equal(got, want);

    /* A linked work tree: .git is a file naming the real git directory. */
    assert_int_equal(sh("cd '%s' && " GIT " worktree add -q '%s' 2>/dev/null", repo, wt), 0);
    static const char *const wfiles[] = {"top.py", "proj/p.py", NULL};
    agree(wt, wfiles);

    /* core.autocrlf: the CRLF work-tree copy of an LF blob. git reports it
     * modified (libgit2 would call it equal); tmdiff follows git. */
    assert_int_equal(sh("cd '%s' && git config core.autocrlf true && "
                        "printf 'q = 1\\r\\n' > top.py && git update-index --refresh >/dev/null; "
                        "true", repo), 0);
    static const char *const cfiles[] = {"top.py", NULL};
    agree(repo, cfiles);
}

int main(void)
{
    if (system("git --version >/dev/null 2>&1") != 0) {
        fprintf(stderr, "git is not installed\n");
        return SUPPORT_SKIP;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_select__names_below_the_root),
        cmocka_unit_test(test_select__git_decides_by_content),
        cmocka_unit_test(test_select__never_reads_outside_the_root),
        cmocka_unit_test(test_select__unchanged_tree_runs_only_failures),
        cmocka_unit_test(test_select__changed_body_affects_its_tests_only),
        cmocka_unit_test(test_select__missing_or_broken_file_affects_all_dependants),
        cmocka_unit_test(test_select__whitespace_only_edit_changes_nothing),
        cmocka_unit_test(test_select__precise_drops_the_dedent_quirk),
        cmocka_unit_test(test_select__null_fsha_is_changed),
        cmocka_unit_test(test_select__collection_merges_with_stored_tests),
        cmocka_unit_test(test_select__tests_the_collection_cannot_judge),
        cmocka_unit_test(test_select__collection_of_known_tests_only),
        cmocka_unit_test(test_select__damaged_unlinked_row_fails_the_run),
        cmocka_unit_test(test_select__damaged_index_links_fall_back_to_the_database),
        cmocka_unit_test(test_select__existence_by_one_merge),
        cmocka_unit_test(test_select__verdicts_sorted_and_merged),
        cmocka_unit_test(test_select__index_versions_conflicts_and_intent_to_add),
        cmocka_unit_test(test_select__subdirectory_roots_worktrees_and_filters),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
