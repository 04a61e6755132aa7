/* test_store.c: tmd_store_fetch_nearest and tmd_store_publish over a
 * directory store (HTTP stores: tests/e2e/store_e2e.py): which commit is
 * taken, when the cache answers alone, and what is refused. */
#include "support.h"
#include "tmdiff.h"
#include "store_warm.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmp[256], repo[300], store[300], cache[300];
static char ids[4][41]; /* ids[0] = HEAD, ids[3] the root */

/* A shell command in the test repository. */
#define sh(out, cap, ...) support_sh(out, cap, repo, tmp, __VA_ARGS__)

/* A database whose one test is named after `marker`. */
static void make_db(const char *path, const char *marker)
{
    sqlite3 *db;
    char sql[512];
    unlink(path);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    snprintf(sql, sizeof sql,
             "CREATE TABLE test_execution(id INTEGER PRIMARY KEY, test_name TEXT);"
             "INSERT INTO test_execution(test_name) VALUES ('%s');"
             "PRAGMA user_version=14; PRAGMA journal_mode=WAL;", marker);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static void assert_marker(const char *path, const char *marker)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT test_name FROM test_execution", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), marker);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static tmd_store_options options(void)
{
    tmd_store_options o = TMD_STORE_OPTIONS_INIT;
    o.cache_dir = cache;
    return o;
}

static void publish_then_fetch(void **state)
{
    char db[400];
    snprintf(db, sizeof db, "%s/recorded.db", tmp);
    make_db(db, "root");
    tmd_store_options o = options();
    char *where = NULL;
    assert_int_equal(tmd_store_publish(&where, store, ids[3], db, &o), TMD_OK);
    assert_non_null(strstr(where, ids[3]));
    free(where);

    tmd_store_result r;
    assert_int_equal(tmd_store_fetch_nearest(&r, store, repo, &o), TMD_OK);
    assert_string_equal(r.commit, ids[3]);
    assert_int_equal(r.distance, 3);
    assert_int_equal(r.searched, 4);
    assert_false(r.from_cache);
    assert_marker(r.path, "root");
    tmd_store_result_free(&r);

    /* Second time: the cache answers (the nearer three are recent misses). */
    assert_int_equal(tmd_store_fetch_nearest(&r, store, repo, &o), TMD_OK);
    assert_true(r.from_cache);
    assert_string_equal(r.commit, ids[3]);
    tmd_store_result_free(&r);
}

static void recent_misses_are_trusted_until_refresh(void **state)
{
    char db[400];
    snprintf(db, sizeof db, "%s/recorded1.db", tmp);
    make_db(db, "one");
    tmd_store_options o = options();
    o.compress = 1;
    /* Published elsewhere: this machine's cache still believes ids[1] absent. */
    char elsewhere[400];
    snprintf(elsewhere, sizeof elsewhere, "%s/ci-cache", tmp);
    o.cache_dir = elsewhere;
    assert_int_equal(tmd_store_publish(NULL, store, ids[1], db, &o), TMD_OK);
    char path[400];
    snprintf(path, sizeof path, "%s/%s.testmondata.zst", store, ids[1]);
    assert_int_equal(access(path, F_OK), 0);

    o = options();
    tmd_store_result r;
    assert_int_equal(tmd_store_fetch_nearest(&r, store, repo, &o), TMD_OK);
    assert_string_equal(r.commit, ids[3]); /* safe, if farther */
    assert_true(r.from_cache);
    tmd_store_result_free(&r);

    o.miss_ttl = 0;
    assert_int_equal(tmd_store_fetch_nearest(&r, store, repo, &o), TMD_OK);
    assert_string_equal(r.commit, ids[1]);
    assert_int_equal(r.distance, 1);
    assert_false(r.from_cache);
    assert_marker(r.path, "one");
    tmd_store_result_free(&r);
}

static void depth_and_rev_limit_the_search(void **state)
{
    tmd_store_options o = options();
    o.miss_ttl = 0;
    o.depth = 1;
    tmd_store_result r;
    assert_int_equal(tmd_store_fetch_nearest(&r, store, repo, &o), TMD_ENOTFOUND);
    assert_non_null(strstr(tmd_error_message(), "no database for any of the 1 commits from HEAD"));
    assert_non_null(strstr(tmd_error_message(), "raise --depth"));
    assert_null(r.path);

    o.depth = 50;
    o.rev = ids[2];
    assert_int_equal(tmd_store_fetch_nearest(&r, store, repo, &o), TMD_OK);
    assert_string_equal(r.commit, ids[3]);
    assert_int_equal(r.distance, 1);
    tmd_store_result_free(&r);
}

static void bad_stores_are_named(void **state)
{
    tmd_store_options o = options();
    tmd_store_result r;
    assert_int_equal(tmd_store_fetch_nearest(&r, "s3://bucket/x", repo, &o), TMD_EINVAL);
    assert_non_null(strstr(tmd_error_message(), "s3: unsupported store scheme"));
    assert_int_equal(tmd_store_fetch_nearest(&r, "", repo, &o), TMD_EINVAL);

    char db[400];
    snprintf(db, sizeof db, "%s/old.db", tmp);
    make_db(db, "old");
    sqlite3 *h;
    sqlite3_open(db, &h);
    sqlite3_exec(h, "PRAGMA user_version=12", NULL, NULL, NULL);
    sqlite3_close(h);
    assert_int_equal(tmd_store_publish(NULL, store, ids[0], db, &o), TMD_EFORMAT);
    assert_non_null(strstr(tmd_error_message(), "refusing to publish"));
    assert_int_equal(tmd_store_publish(NULL, store, "HEAD", db, &o), TMD_EINVAL);
    snprintf(db, sizeof db, "%s/missing.db", tmp);
    assert_int_equal(tmd_store_publish(NULL, store, ids[0], db, &o), TMD_ENOTFOUND);
}

/* testmon still has the database open with commits only in its -wal: what
 * is published includes them, and the user's file is only read. */
static void publish_includes_wal_content(void **state)
{
    char db[400], stored[400];
    snprintf(db, sizeof db, "%s/live.db", tmp);
    make_db(db, "before");
    sqlite3 *live;
    assert_int_equal(sqlite3_open(db, &live), SQLITE_OK);
    assert_int_equal(sqlite3_exec(live, "PRAGMA wal_autocheckpoint=0; BEGIN;"
                                        "UPDATE test_execution SET test_name='in-wal'; COMMIT;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    FILE *f = fopen(db, "rb");
    unsigned char before[4096], after[4096];
    assert_int_equal(fread(before, 1, sizeof before, f), sizeof before);
    fclose(f);

    tmd_store_options o = options();
    assert_int_equal(tmd_store_publish(NULL, store, ids[2], db, &o), TMD_OK);
    snprintf(stored, sizeof stored, "%s/%s.testmondata", store, ids[2]);
    assert_marker(stored, "in-wal");
    assert_int_equal(tmd_dbcache_verify(stored), TMD_OK);

    f = fopen(db, "rb");
    assert_int_equal(fread(after, 1, sizeof after, f), sizeof after);
    fclose(f);
    assert_memory_equal(before, after, sizeof before); /* not checkpointed by us */
    sqlite3_close(live);
    unlink(stored);
}

static void assert_warm_head_is(const char *dir, const char *want)
{
    char head[41];
    assert_int_equal(tmd_store_warm_head(head, dir), 0);
    assert_string_equal(head, want);
}

/* HEAD read from the .git files agrees with git in every shape it accepts,
 * and declines what it does not handle. */
static void warm_head_matches_git(void **state)
{
    char sub[400], wt[400], out[128];
    assert_int_equal(sh(out, sizeof out, "git rev-parse HEAD"), 0);
    out[40] = '\0';
    assert_warm_head_is(repo, out); /* loose branch ref */
    snprintf(sub, sizeof sub, "%s/deep/er", repo);
    assert_int_equal(sh(NULL, 0, "mkdir -p deep/er && git pack-refs --all"), 0);
    assert_warm_head_is(sub, out); /* packed ref, from a subfolder */
    assert_int_equal(sh(NULL, 0, "git checkout -q --detach HEAD~2"), 0);
    assert_warm_head_is(repo, ids[2]); /* detached */
    snprintf(wt, sizeof wt, "%s/wt", tmp);
    assert_int_equal(sh(NULL, 0, "git worktree add -q -b side %s %s", wt, ids[1]), 0);
    assert_warm_head_is(wt, ids[1]); /* linked worktree, its own branch */
    assert_int_equal(sh(NULL, 0, "git checkout -q -"), 0);
    assert_warm_head_is(repo, ids[0]);

    char head[41];
    setenv("GIT_DIR", "/elsewhere", 1);
    assert_int_equal(tmd_store_warm_head(head, repo), -1);
    unsetenv("GIT_DIR");
    assert_int_equal(tmd_store_warm_head(head, "/"), -1);
}

/* The remembered walk never outlives HEAD: a new commit is walked afresh. */
static void warm_memo_follows_head(void **state)
{
    tmd_store_options o = options();
    tmd_store_result r;
    assert_int_equal(tmd_store_fetch_nearest(&r, store, repo, &o), TMD_OK);
    size_t before = r.distance;
    char found[41];
    memcpy(found, r.commit, 41);
    assert_true(r.from_cache);
    tmd_store_result_free(&r);

    assert_int_equal(sh(NULL, 0, "echo more >> f && git commit -q -am more"), 0);
    assert_int_equal(tmd_store_fetch_nearest(&r, store, repo, &o), TMD_OK);
    assert_string_equal(r.commit, found);
    assert_int_equal(r.distance, before + 1);
    tmd_store_result_free(&r);

    /* The cached database evicted: the memo is not trusted, it downloads. */
    char cached[600];
    assert_int_equal(tmd_store_fetch_nearest(&r, store, repo, &o), TMD_OK);
    snprintf(cached, sizeof cached, "%s", r.path);
    tmd_store_result_free(&r);
    assert_int_equal(unlink(cached), 0);
    assert_int_equal(tmd_store_fetch_nearest(&r, store, repo, &o), TMD_OK);
    assert_false(r.from_cache);
    assert_string_equal(r.commit, found);
    tmd_store_result_free(&r);
    assert_int_equal(sh(NULL, 0, "git reset -q --hard HEAD~1"), 0);
}

int main(void)
{
    snprintf(tmp, sizeof tmp, "%s/tmdiff-store-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmp) || system("git --version >/dev/null 2>&1") != 0)
        return SUPPORT_SKIP;
    snprintf(repo, sizeof repo, "%s/repo", tmp);
    snprintf(store, sizeof store, "%s/store", tmp);
    snprintf(cache, sizeof cache, "%s/cache", tmp);
    char out[256];
    if (system(strcat(strcpy(out, "git init -q "), repo)) != 0)
        return 1;
    for (int i = 0; i < 4; i++)
        if (sh(NULL, 0, "echo %d >> f && git add f && git commit -q -m c%d", i, i) != 0)
            return 1;
    if (sh(out, sizeof out, "git rev-list HEAD") != 0)
        return 1;
    for (int i = 0; i < 4; i++)
        memcpy(ids[i], out + 41 * i, 40);

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(publish_then_fetch),
        cmocka_unit_test(recent_misses_are_trusted_until_refresh),
        cmocka_unit_test(depth_and_rev_limit_the_search),
        cmocka_unit_test(bad_stores_are_named),
        cmocka_unit_test(publish_includes_wal_content),
        cmocka_unit_test(warm_head_matches_git),
        cmocka_unit_test(warm_memo_follows_head),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        failed++;
    return failed;
}
