/* test_fpcache.c: the fingerprint cache answers by content hash, keeps
 * dialects, the dedent path and versions apart, survives damaged rows and a
 * damaged file, stays consistent under concurrent writers (fork), and stays
 * within its bound. */
#include "fpcache_internal.h"
#include "support.h"
#include "tmdiff.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/tmdiff-fpcache-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void fresh_dir(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", dir, name);
}

static void prepare(tmd_source *src, const char *text)
{
    assert_int_equal(tmd_source_prepare(src, (const uint8_t *)text, strlen(text)), 0);
}

static void assert_same(const tmd_fingerprint *a, const tmd_fingerprint *b)
{
    assert_int_equal(a->status, b->status);
    assert_int_equal(a->count, b->count);
    if (a->count)
        assert_memory_equal(a->checksums, b->checksums, a->count * sizeof *a->checksums);
}

static const tmd_dialect py311 = {11, 2};

/* Same answer as the fingerprinter, and the second answer comes from the
 * cache: a source claiming the first one's hash gets the first one's blocks. */
static void answers_by_content_hash(void **state)
{
    (void)state;
    char d[300];
    fresh_dir(d, sizeof d, "hash");
    tmd_fpcache *c;
    assert_int_equal(tmd_fpcache_open(&c, d), 0);
    const char *text = "def f():\n    return 1\n\nx = f()\n";
    tmd_source src;
    prepare(&src, text);
    tmd_fingerprint direct, cached, again;
    assert_int_equal(tmd_fingerprint_python(&direct, &src, &py311, 0), 0);
    assert_int_equal(tmd_fpcache_fingerprint(&cached, c, &src, strlen(text), &py311, 0, 0), 0);
    assert_same(&direct, &cached);
    assert_int_equal(direct.count, 2);
    assert_int_equal(fpcache_rows(c), 1);

    tmd_source other;
    prepare(&other, "y = 2\n");
    other.xxh3 = src.xxh3; /* pretend: same content hash and size */
    assert_int_equal(tmd_fpcache_fingerprint(&again, c, &other, strlen(text), &py311, 0, 0), 0);
    assert_same(&direct, &again);
    tmd_fingerprint_free(&again);

    /* the size is part of the key: a different size is a miss */
    assert_int_equal(tmd_fpcache_fingerprint(&again, c, &other, 6, &py311, 0, 0), 0);
    assert_int_equal(again.count, 1);
    assert_int_equal(fpcache_rows(c), 2);
    tmd_fingerprint_free(&again);
    assert_int_equal(tmd_fpcache_fingerprint(&again, c, &src, strlen(text), &py311, TMD_FP_WANT_TEXT, 0),
                     TMD_EINVAL);

    tmd_fingerprint_free(&direct);
    tmd_fingerprint_free(&cached);
    tmd_source_free(&src);
    tmd_source_free(&other);
    tmd_fpcache_close(c);
}

/* Dialect, dedent flag, whole-text mode and version are separate keys. */
static void keys_keep_variants_apart(void **state)
{
    (void)state;
    char d[300];
    fresh_dir(d, sizeof d, "variants");
    const char *text = "x: list[int] = []\n";
    tmd_source src;
    prepare(&src, text);
    tmd_fpcache *c;
    assert_int_equal(fpcache_open_versioned(&c, d, "1.0", 1000), 0);
    const tmd_dialect py38 = {8, -1}, py312 = {12, -1};
    tmd_fingerprint fp;
    const tmd_dialect *ds[] = {&py38, &py311, &py312};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(tmd_fpcache_fingerprint(&fp, c, &src, strlen(text), ds[i], 0, 0), 0);
        tmd_fingerprint direct;
        assert_int_equal(tmd_fingerprint_python(&direct, &src, ds[i], 0), 0);
        assert_same(&direct, &fp);
        tmd_fingerprint_free(&direct);
        tmd_fingerprint_free(&fp);
    }
    assert_int_equal(tmd_fpcache_fingerprint(&fp, c, &src, strlen(text), &py311, TMD_FP_DEDENT, 0), 0);
    tmd_fingerprint_free(&fp);
    assert_int_equal(tmd_fpcache_fingerprint(&fp, c, &src, strlen(text), &py311, 0, 1), 0);
    assert_int_equal(fp.count, 1); /* whole text: one block */
    tmd_fingerprint_free(&fp);
    assert_int_equal(fpcache_rows(c), 5);
    tmd_fpcache_close(c);
    /* an upgrade: the same file, new keys */
    assert_int_equal(fpcache_open_versioned(&c, d, "2.0", 1000), 0);
    assert_int_equal(tmd_fpcache_fingerprint(&fp, c, &src, strlen(text), &py311, 0, 0), 0);
    tmd_fingerprint_free(&fp);
    assert_int_equal(fpcache_rows(c), 6);
    tmd_fpcache_close(c);
    tmd_source_free(&src);
}

static void exec_sql(const char *path, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("%s: %s", sql, err);
    sqlite3_close(db);
}

/* A row whose content no longer matches its CRC is dropped and recomputed;
 * a file that is not a database at all is replaced. */
static void corruption_is_detected(void **state)
{
    (void)state;
    char d[300];
    fresh_dir(d, sizeof d, "corrupt");
    const char *text = "def g(a):\n    return a * 2\n";
    tmd_source src;
    prepare(&src, text);
    tmd_fingerprint direct, fp;
    assert_int_equal(tmd_fingerprint_python(&direct, &src, &py311, 0), 0);
    tmd_fpcache *c;
    assert_int_equal(tmd_fpcache_open(&c, d), 0);
    assert_int_equal(tmd_fpcache_fingerprint(&fp, c, &src, strlen(text), &py311, 0, 0), 0);
    tmd_fingerprint_free(&fp);
    char path[400];
    snprintf(path, sizeof path, "%s", fpcache_path(c));
    tmd_fpcache_close(c);

    /* flip the checksums in place: a plausible row with a wrong CRC */
    exec_sql(path, "UPDATE fp SET checksums = zeroblob(length(checksums))");
    assert_int_equal(tmd_fpcache_open(&c, d), 0);
    assert_int_equal(tmd_fpcache_fingerprint(&fp, c, &src, strlen(text), &py311, 0, 0), 0);
    assert_same(&direct, &fp);
    tmd_fingerprint_free(&fp);
    tmd_fpcache_close(c);
    exec_sql(path, "UPDATE fp SET status = 7, crc = 0");
    assert_int_equal(tmd_fpcache_open(&c, d), 0);
    assert_int_equal(tmd_fpcache_fingerprint(&fp, c, &src, strlen(text), &py311, 0, 0), 0);
    assert_same(&direct, &fp);
    tmd_fingerprint_free(&fp);
    tmd_fpcache_close(c);

    /* the whole file overwritten */
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("this is not an SQLite database, just garbage bytes......................", f);
    fclose(f);
    char side[450];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    assert_int_equal(tmd_fpcache_open(&c, d), 0);
    assert_int_equal(tmd_fpcache_fingerprint(&fp, c, &src, strlen(text), &py311, 0, 0), 0);
    assert_same(&direct, &fp);
    assert_int_equal(fpcache_rows(c), 1);
    tmd_fingerprint_free(&fp);
    tmd_fpcache_close(c);
    tmd_fingerprint_free(&direct);
    tmd_source_free(&src);
}

static char *source_text(int i)
{
    char *t = malloc(128);
    snprintf(t, 128, "def f%d(x):\n    return x + %d\n\nvalue = f%d(%d)\n", i, i, i, i * 7);
    return t;
}

/* Four processes fill one cache with overlapping work at once; afterwards
 * every row is intact and answers as the fingerprinter does. */
static void concurrent_writers(void **state)
{
    (void)state;
    char d[300];
    fresh_dir(d, sizeof d, "concurrent");
    enum { PROCS = 4, FILES = 150 };
    pid_t pids[PROCS];
    for (int p = 0; p < PROCS; p++) {
        pids[p] = fork();
        assert_true(pids[p] >= 0);
        if (pids[p] == 0) {
            tmd_fpcache *c;
            if (tmd_fpcache_open(&c, d) != 0)
                _exit(2);
            for (int k = 0; k < FILES; k++) {
                int i = (k * (p + 1) + p * 37) % (FILES + 50);
                char *t = source_text(i);
                tmd_source src;
                tmd_fingerprint fp;
                if (tmd_source_prepare(&src, (const uint8_t *)t, strlen(t)) != 0 ||
                    tmd_fpcache_fingerprint(&fp, c, &src, strlen(t), &py311, 0, 0) != 0 || fp.count != 2)
                    _exit(3);
                tmd_fingerprint_free(&fp);
                tmd_source_free(&src);
                free(t);
            }
            tmd_fpcache_close(c);
            _exit(0);
        }
    }
    for (int p = 0; p < PROCS; p++) {
        int status;
        assert_int_equal(waitpid(pids[p], &status, 0), pids[p]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    tmd_fpcache *c;
    assert_int_equal(tmd_fpcache_open(&c, d), 0);
    size_t rows = fpcache_rows(c);
    assert_true(rows > FILES / 2 && rows <= FILES + 50);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(fpcache_path(c), &db), SQLITE_OK);
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), "ok");
    sqlite3_finalize(s);
    sqlite3_close(db);
    for (int i = 0; i < FILES + 50; i++) {
        char *t = source_text(i);
        tmd_source src;
        tmd_fingerprint direct, fp;
        prepare(&src, t);
        assert_int_equal(tmd_fingerprint_python(&direct, &src, &py311, 0), 0);
        assert_int_equal(tmd_fpcache_fingerprint(&fp, c, &src, strlen(t), &py311, 0, 0), 0);
        assert_same(&direct, &fp);
        tmd_fingerprint_free(&direct);
        tmd_fingerprint_free(&fp);
        tmd_source_free(&src);
        free(t);
    }
    tmd_fpcache_close(c);
}

/* More stores than the bound: the oldest rows go. */
static void bounded_size(void **state)
{
    (void)state;
    char d[300];
    fresh_dir(d, sizeof d, "bounded");
    tmd_fpcache *c;
    assert_int_equal(fpcache_open_versioned(&c, d, "b", 40), 0);
    enum { N = FPCACHE_PRUNE_EVERY + 100 };
    for (int i = 0; i < N; i++) {
        char *t = source_text(i);
        tmd_source src;
        tmd_fingerprint fp;
        prepare(&src, t);
        assert_int_equal(tmd_fpcache_fingerprint(&fp, c, &src, strlen(t), &py311, 0, 0), 0);
        tmd_fingerprint_free(&fp);
        tmd_source_free(&src);
        free(t);
    }
    size_t rows = fpcache_rows(c);
    assert_true(rows <= 40 + 100);
    assert_true(rows >= 40);
    tmd_fpcache_close(c);
}

static void no_cache_still_answers(void **state)
{
    (void)state;
    const char *text = "import os\n";
    tmd_source src;
    prepare(&src, text);
    tmd_fingerprint fp;
    assert_int_equal(tmd_fpcache_fingerprint(&fp, NULL, &src, strlen(text), &py311, 0, 0), 0);
    assert_int_equal(fp.count, 1);
    tmd_fingerprint_free(&fp);
    tmd_source_free(&src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(answers_by_content_hash),
        cmocka_unit_test(keys_keep_variants_apart),
        cmocka_unit_test(corruption_is_detected),
        cmocka_unit_test(concurrent_writers),
        cmocka_unit_test(bounded_size),
        cmocka_unit_test(no_cache_still_answers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
