/* test_dbcache.c: verification of downloaded databases, atomic installation,
 * miss markers and eviction of the local cache (engine/dbcache.c). */
#include "support.h"
#include "dbcache.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char tmp[256];

static const char *in_tmp(const char *name)
{
    static char path[8][512];
    static int next;
    char *p = path[next++ % 8];
    snprintf(p, sizeof path[0], "%s/%s", tmp, name);
    return p;
}

/* A small database with testmon's data version `version`; WAL mode when asked. */
static void make_db(const char *path, int version, int wal, int rows)
{
    sqlite3 *db;
    unlink(path);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char sql[256];
    snprintf(sql, sizeof sql,
             "CREATE TABLE file_fp(id INTEGER PRIMARY KEY, filename TEXT, data BLOB);"
             "PRAGMA user_version=%d; PRAGMA journal_mode=%s;", version, wal ? "WAL" : "DELETE");
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    for (int i = 0; i < rows; i++)
        assert_int_equal(sqlite3_exec(db, "INSERT INTO file_fp(filename, data) VALUES ('a.py', randomblob(900))",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
    sqlite3_close(db);
}

static off_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : -1;
}

static void verify_accepts_13_and_14(void **state)
{
    make_db(in_tmp("v13.db"), 13, 0, 3);
    make_db(in_tmp("v14.db"), 14, 0, 3);
    assert_int_equal(tmd_dbcache_verify(in_tmp("v13.db")), TMD_OK);
    assert_int_equal(tmd_dbcache_verify(in_tmp("v14.db")), TMD_OK);
}

static void verify_rejects_other_versions_and_garbage(void **state)
{
    make_db(in_tmp("v12.db"), 12, 0, 1);
    assert_int_equal(tmd_dbcache_verify(in_tmp("v12.db")), TMD_EFORMAT);
    assert_non_null(strstr(tmd_error_message(), "data version 12"));

    FILE *f = fopen(in_tmp("html.db"), "w");
    for (int i = 0; i < 100; i++)
        fputs("<html>not found</html>\n", f);
    fclose(f);
    assert_int_equal(tmd_dbcache_verify(in_tmp("html.db")), TMD_EFORMAT);
    assert_non_null(strstr(tmd_error_message(), "not a SQLite database"));

    assert_int_equal(tmd_dbcache_verify(in_tmp("absent.db")), TMD_EIO);
}

static void verify_rejects_truncation(void **state)
{
    const char *p = in_tmp("cut.db");
    make_db(p, 14, 0, 40);
    off_t size = file_size(p);
    /* Whole pages missing: only the header's page count can tell. */
    assert_int_equal(truncate(p, size - 4096), 0);
    assert_int_equal(tmd_dbcache_verify(p), TMD_EFORMAT);
    assert_non_null(strstr(tmd_error_message(), "truncated"));
    /* Cut mid-page. */
    assert_int_equal(truncate(p, size / 2 + 100), 0);
    assert_int_equal(tmd_dbcache_verify(p), TMD_EFORMAT);
}

static void verify_rejects_damaged_pages(void **state)
{
    const char *p = in_tmp("damaged.db");
    make_db(p, 14, 0, 40);
    /* Scribble over the middle of the table's b-tree (keep the header). */
    int fd = open(p, O_WRONLY);
    char junk[2048];
    memset(junk, 0x5a, sizeof junk);
    assert_int_equal(pwrite(fd, junk, sizeof junk, 4096 + 8), (ssize_t)sizeof junk);
    close(fd);
    assert_int_equal(tmd_dbcache_verify(p), TMD_EFORMAT);
    assert_non_null(strstr(tmd_error_message(), "damaged"));
}

static tmd_dbcache open_cache(size_t entries, double ttl)
{
    tmd_store_options o = TMD_STORE_OPTIONS_INIT;
    o.cache_entries = entries;
    o.miss_ttl = ttl;
    tmd_dbcache c;
    assert_int_equal(tmd_dbcache_open(&c, in_tmp("cache"), "https://store.example/x", &o), TMD_OK);
    return c;
}

static const char commit_a[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

/* Writes a database into a fresh temporary file of the cache. */
static char *staged(tmd_dbcache *c, int version, int wal)
{
    int fd;
    char *path;
    assert_int_equal(tmd_dbcache_tmpfile(&fd, &path, c, commit_a), TMD_OK);
    close(fd);
    make_db(path, version, wal, 2);
    return path;
}

static void install_is_atomic_and_verified(void **state)
{
    tmd_dbcache c = open_cache(10, 300);
    char *final = tmd_dbcache_path(&c, commit_a);

    char *bad = staged(&c, 12, 0);
    assert_int_equal(tmd_dbcache_install(&c, bad, commit_a, "https://store.example/x/a"), TMD_EFORMAT);
    assert_non_null(strstr(tmd_error_message(), "https://store.example/x/a: rejected, not cached"));
    assert_int_equal(access(bad, F_OK), -1); /* the temporary file is gone */
    assert_int_equal(access(final, F_OK), -1);
    assert_false(tmd_dbcache_has(&c, commit_a));

    char *good = staged(&c, 14, 1);
    assert_int_equal(tmd_dbcache_install(&c, good, commit_a, "src"), TMD_OK);
    assert_int_equal(access(good, F_OK), -1);
    assert_true(tmd_dbcache_has(&c, commit_a));
    /* Installed as a lone file: rollback journal, no -wal needed. */
    unsigned char h[20];
    int fd = open(final, O_RDONLY);
    assert_int_equal(read(fd, h, sizeof h), (ssize_t)sizeof h);
    close(fd);
    assert_int_equal(h[18], 1);
    assert_int_equal(h[19], 1);

    /* A bad second download leaves the installed one alone. */
    off_t before = file_size(final);
    char *bad2 = staged(&c, 99, 0);
    assert_int_equal(tmd_dbcache_install(&c, bad2, commit_a, "src"), TMD_EFORMAT);
    assert_int_equal(file_size(final), before);
    assert_int_equal(tmd_dbcache_verify(final), TMD_OK);
    free(bad), free(good), free(bad2), free(final);
    tmd_dbcache_close(&c);
}

static void miss_markers_expire(void **state)
{
    const char commit_b[] = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    tmd_dbcache c = open_cache(10, 300);
    assert_false(tmd_dbcache_miss_fresh(&c, commit_b));
    tmd_dbcache_note_miss(&c, commit_b);
    assert_true(tmd_dbcache_miss_fresh(&c, commit_b));
    tmd_dbcache_close(&c);

    c = open_cache(10, 0); /* ttl 0: always ask */
    assert_false(tmd_dbcache_miss_fresh(&c, commit_b));
    tmd_dbcache_close(&c);

    c = open_cache(10, 300);
    char marker[600];
    snprintf(marker, sizeof marker, "%s/%s.miss", c.dir, commit_b);
    struct timespec old[2] = {{time(NULL) - 400, 0}, {time(NULL) - 400, 0}};
    assert_int_equal(utimensat(AT_FDCWD, marker, old, 0), 0);
    assert_false(tmd_dbcache_miss_fresh(&c, commit_b));
    tmd_dbcache_evict(&c, NULL);
    assert_int_equal(access(marker, F_OK), -1); /* stale markers are swept */
    tmd_dbcache_close(&c);
}

static void eviction_keeps_the_most_recent(void **state)
{
    tmd_dbcache c = open_cache(2, 300);
    char commits[5][41];
    for (int i = 0; i < 5; i++) {
        memset(commits[i], '0' + i, 40);
        commits[i][40] = '\0';
        char *p = tmd_dbcache_path(&c, commits[i]);
        make_db(p, 14, 0, 1);
        struct timespec t[2] = {{1000000 + i * 10, 0}, {1000000 + i * 10, 0}};
        assert_int_equal(utimensat(AT_FDCWD, p, t, 0), 0);
        free(p);
    }
    /* A temporary file of a process that is gone, and one of ours. */
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    waitpid(child, NULL, 0);
    char dead[600], mine[600];
    snprintf(dead, sizeof dead, "%s/.tmp-%s-%ld-0", c.dir, commits[0], (long)child);
    snprintf(mine, sizeof mine, "%s/.tmp-%s-%ld-0", c.dir, commits[0], (long)getpid());
    fclose(fopen(dead, "w"));
    fclose(fopen(mine, "w"));

    /* Keep the oldest (just fetched) plus the newest other one. */
    tmd_dbcache_evict(&c, commits[0]);
    int present[5];
    for (int i = 0; i < 5; i++) {
        char *p = tmd_dbcache_path(&c, commits[i]);
        present[i] = access(p, F_OK) == 0;
        free(p);
    }
    assert_true(present[0]);
    assert_true(present[4]);
    assert_false(present[1] || present[2] || present[3]);
    assert_int_equal(access(dead, F_OK), -1);
    assert_int_equal(access(mine, F_OK), 0);
    unlink(mine);
    tmd_dbcache_close(&c);
}

static void byte_bound_evicts_too(void **state)
{
    tmd_store_options o = TMD_STORE_OPTIONS_INIT;
    o.cache_bytes = 200 * 1024;
    tmd_dbcache c;
    assert_int_equal(tmd_dbcache_open(&c, in_tmp("cache-bytes"), "/some/dir", &o), TMD_OK);
    char commits[3][41];
    for (int i = 0; i < 3; i++) {
        memset(commits[i], 'a' + i, 40);
        commits[i][40] = '\0';
        char *p = tmd_dbcache_path(&c, commits[i]);
        make_db(p, 14, 0, 80); /* about 90 KB each */
        struct timespec t[2] = {{2000000 + i, 0}, {2000000 + i, 0}};
        utimensat(AT_FDCWD, p, t, 0);
        free(p);
    }
    tmd_dbcache_evict(&c, NULL);
    assert_false(tmd_dbcache_has(&c, commits[0]));
    assert_true(tmd_dbcache_has(&c, commits[1]));
    assert_true(tmd_dbcache_has(&c, commits[2]));
    tmd_dbcache_close(&c);
}

static void stores_get_separate_folders(void **state)
{
    tmd_store_options o = TMD_STORE_OPTIONS_INIT;
    tmd_dbcache a, b;
    assert_int_equal(tmd_dbcache_open(&a, in_tmp("cache"), "https://one.example/s", &o), TMD_OK);
    assert_int_equal(tmd_dbcache_open(&b, in_tmp("cache"), "https://two.example/s", &o), TMD_OK);
    assert_string_not_equal(a.dir, b.dir);
    assert_int_equal(strncmp(a.dir, in_tmp("cache"), strlen(in_tmp("cache"))), 0);
    tmd_dbcache_close(&a);
    tmd_dbcache_close(&b);
}

int main(void)
{
    snprintf(tmp, sizeof tmp, "%s/tmdiff-dbcache-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmp))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(verify_accepts_13_and_14),
        cmocka_unit_test(verify_rejects_other_versions_and_garbage),
        cmocka_unit_test(verify_rejects_truncation),
        cmocka_unit_test(verify_rejects_damaged_pages),
        cmocka_unit_test(install_is_atomic_and_verified),
        cmocka_unit_test(miss_markers_expire),
        cmocka_unit_test(eviction_keeps_the_most_recent),
        cmocka_unit_test(byte_bound_evicts_too),
        cmocka_unit_test(stores_get_separate_folders),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        failed++;
    return failed;
}
