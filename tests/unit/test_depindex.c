/* test_depindex.c: the dependency index gives exactly what db.c's queries
 * give (the fingerprints of the environment's tests, every link with its
 * checksums), on the conformance kit's real databases and on a database
 * with the odd rows testmon never writes; it is reused from the cache only
 * for the same database and environment, and a damaged cache file is
 * rebuilt, never trusted. */
#include "depindex.h"
#include "support.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[256];

/* ---- the answers, as sorted text lines ------------------------------------ */

typedef struct lines {
    char **v;
    size_t n, cap;
    const int64_t *ids; /* fingerprint id of each `which` */
} lines;

static void add_line(lines *l, const char *s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        assert_non_null(l->v);
    }
    l->v[l->n++] = strdup(s);
}

static int on_link(void *ctx, int64_t test_id, size_t which, const int32_t *sums, size_t count)
{
    lines *l = ctx;
    char buf[4096];
    int n = snprintf(buf, sizeof buf, "link fp=%lld test=%lld sums=", (long long)l->ids[which],
                     (long long)test_id);
    for (size_t i = 0; i < count && n < (int)sizeof buf - 16; i++)
        n += snprintf(buf + n, sizeof buf - (size_t)n, "%d,", sums[i]);
    add_line(l, buf);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void lines_free(lines *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* Fingerprints in their given order (the order is part of the contract),
 * then every link of all of them, sorted. */
static void describe(lines *out, const tmd_db_fp *fps, size_t nfps, tmd_depindex *ix, tmd_db *db,
                     const tmd_db_test *tests, size_t ntests)
{
    memset(out, 0, sizeof *out);
    int64_t *ids = malloc((nfps ? nfps : 1) * sizeof *ids);
    assert_non_null(ids);
    char buf[4096];
    for (size_t i = 0; i < nfps; i++) {
        snprintf(buf, sizeof buf, "fp %s id=%lld fsha=%s", fps[i].filename, (long long)fps[i].id,
                 fps[i].fsha ? fps[i].fsha : "(null)");
        add_line(out, buf);
        ids[i] = fps[i].id;
    }
    size_t head = out->n;
    /* ids sorted ascending, as select.c passes them */
    for (size_t i = 1; i < nfps; i++)
        for (size_t j = i; j > 0 && ids[j - 1] > ids[j]; j--) {
            int64_t t = ids[j];
            ids[j] = ids[j - 1];
            ids[j - 1] = t;
        }
    out->ids = ids;
    if (ix)
        assert_int_equal(tmd_depindex_links_each(ix, ids, nfps, on_link, out), 0);
    else
        assert_int_equal(tmd_db_links_each(db, tests, ntests, ids, nfps, on_link, out), 0);
    qsort(out->v + head, out->n - head, sizeof *out->v, cmp_str);
    free(ids);
    out->ids = NULL;
}

static void assert_same(const lines *a, const lines *b)
{
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++)
        assert_string_equal(a->v[i], b->v[i]);
}

/* ---- fixtures ---------------------------------------------------------------- */

static void copy_file(const char *from, const char *to)
{
    size_t len = 0;
    char *data = support_read_file(from, &len);
    assert_non_null(data);
    FILE *f = fopen(to, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
    free(data);
}

static void exec_sql(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char *err = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
    if (rc != SQLITE_OK)
        fail_msg("%s: %s", sql, err);
    sqlite3_close(db);
}

/* The reference (db.c) and the index (built, then from the cache when
 * `cache` is set) for environment `env` of `path`; both must agree.
 * Returns whether the index came from the cache. */
static int compare(const char *path, const char *env, const char *cache)
{
    tmd_db *db = NULL;
    assert_int_equal(tmd_db_open(&db, path), 0);
    tmd_db_env e;
    assert_int_equal(tmd_db_env_find(&e, db, env), 0);
    tmd_db_test *tests = NULL;
    size_t ntests = 0;
    assert_int_equal(tmd_db_tests_load(&tests, &ntests, db, e.id), 0);

    tmd_db_fp *want_fps = NULL;
    size_t nwant = 0;
    assert_int_equal(tmd_db_fps_load(&want_fps, &nwant, db, tests, ntests), 0);
    lines want;
    describe(&want, want_fps, nwant, NULL, db, tests, ntests);

    tmd_depindex *ix = NULL;
    assert_int_equal(tmd_depindex_open(&ix, db, path, e.id, cache, cache != NULL), 0);
    tmd_db_test *itests = NULL;
    size_t nitests = 0;
    assert_int_equal(tmd_depindex_tests(ix, &itests, &nitests), 0);
    assert_int_equal(nitests, ntests);
    for (size_t i = 0; i < ntests; i++) {
        assert_int_equal(itests[i].id, tests[i].id);
        assert_string_equal(itests[i].name, tests[i].name);
        assert_int_equal(itests[i].failed, tests[i].failed);
        assert_true(itests[i].duration == tests[i].duration);
    }
    tmd_db_tests_free(itests, nitests);
    /* the view: the same rows, every name inside the index */
    assert_int_equal(tmd_depindex_tests_view(ix, &itests, &nitests), 0);
    assert_int_equal(nitests, ntests);
    for (size_t i = 0; i < ntests; i++) {
        assert_int_equal(itests[i].id, tests[i].id);
        assert_string_equal(itests[i].name, tests[i].name);
        assert_true(tmd_depindex_holds(ix, itests[i].name));
        assert_true(tmd_depindex_holds(ix, itests[i].name + strlen(itests[i].name)));
        assert_false(tmd_depindex_holds(ix, tests[i].name)); /* db.c's own copy */
        assert_int_equal(itests[i].failed, tests[i].failed);
        assert_true(itests[i].duration == tests[i].duration);
    }
    free(itests);
    tmd_db_fp *got_fps = NULL;
    size_t ngot = 0;
    assert_int_equal(tmd_depindex_fps(ix, &got_fps, &ngot), 0);
    lines got;
    describe(&got, got_fps, ngot, ix, db, tests, ntests);
    assert_same(&want, &got);
    assert_true(want.n > 0);
    int cached = tmd_depindex_was_cached(ix);

    free(got_fps);
    tmd_depindex_close(ix);
    lines_free(&got);
    lines_free(&want);
    tmd_db_fps_free(want_fps, nwant);
    tmd_db_tests_free(tests, ntests);
    tmd_db_close(db);
    return cached;
}

/* ---- tests ------------------------------------------------------------------ */

static void kit_databases_agree(void **state)
{
    (void)state;
    static const char *const projects[] = {"invoicing", "textkit", "geometry", "taskq"};
    for (size_t i = 0; i < sizeof projects / sizeof *projects; i++) {
        char rel[128], path[512], cache[512];
        snprintf(rel, sizeof rel, "conformance/projects/%s/base.testmondata", projects[i]);
        snprintf(path, sizeof path, "%s/%s.testmondata", tmpdir, projects[i]);
        snprintf(cache, sizeof cache, "%s/cache-%s", tmpdir, projects[i]);
        copy_file(support_shared_path(rel), path);
        assert_false(compare(path, "default", NULL)); /* in memory */
        assert_false(compare(path, "default", cache)); /* built and saved */
        assert_true(compare(path, "default", cache));  /* read back */
    }
}

static const char *odd_schema =
    "PRAGMA user_version = 14;"
    "CREATE TABLE metadata (dataid TEXT PRIMARY KEY, data TEXT);"
    "CREATE TABLE environment (id INTEGER PRIMARY KEY ASC, environment_name TEXT,"
    " system_packages TEXT, python_version TEXT,"
    " UNIQUE (environment_name, system_packages, python_version));"
    "CREATE TABLE test_execution (id INTEGER PRIMARY KEY ASC, environment_id INTEGER,"
    " test_name TEXT, duration FLOAT, failed BIT, forced BIT);"
    "CREATE TABLE file_fp (id INTEGER PRIMARY KEY, filename TEXT, method_checksums BLOB,"
    " mtime FLOAT, fsha TEXT, UNIQUE (filename, fsha, method_checksums));"
    "CREATE TABLE test_execution_file_fp (test_execution_id INTEGER, fingerprint_id INTEGER);"
    "INSERT INTO environment VALUES (1, 'default', 'p', '3.11.7'), (2, 'other', 'p', '3.11.7');"
    "INSERT INTO test_execution VALUES (1, 1, 'tests/test_a.py::t1', 0.1, 0, 0),"
    " (2, 1, 'tests/test_a.py::t2', 0.1, 1, 0), (5, 2, 'tests/test_a.py::t1', 0.1, 0, 0),"
    " (9, 1, 'tests/test_b.py::t9', 0.2, 0, 0),"
    " (1099511627776, 1, 'tests/test_b.py::big', 0.2, 0, 0);" /* no bitmap for these ids */
    "INSERT INTO file_fp VALUES"
    " (1, 'a.py', X'01000000FFFFFFFF', NULL, 'aaaa'),"
    " (2, 'a.py', X'01000000', NULL, NULL),"
    " (3, 'b.py', NULL, NULL, 'bbbb'),"
    " (4, 'unused.py', X'02000000', NULL, 'cccc'),"
    " (7, 'tests/test_a.py', X'0300000004000000', NULL, 'dddd'),"
    " (8, 'only_other_env.py', X'05000000', NULL, 'eeee'),"
    " (1099511627777, 'big.py', X'09000000', NULL, 'ffff');" /* ids too sparse for a map */
    "INSERT INTO test_execution_file_fp VALUES (1, 1), (1, 2), (2, 1), (1, 7), (2, 7),"
    " (9, 3), (9, 1), (1, 1),"   /* a repeated link */
    " (1099511627776, 3), (9, 1099511627777),"
    " (5, 8), (5, 1),"           /* environment 2 */
    " (1, 99), (77, 1),"         /* no such fingerprint / test */
    " ('x', 1), (1, NULL);";     /* malformed */

static void odd_rows_agree(void **state)
{
    (void)state;
    char path[512], cache[512];
    snprintf(path, sizeof path, "%s/odd.testmondata", tmpdir);
    snprintf(cache, sizeof cache, "%s/cache-odd", tmpdir);
    exec_sql(path, odd_schema);
    assert_false(compare(path, "default", NULL));
    assert_false(compare(path, "default", cache));
    assert_true(compare(path, "default", cache));
    /* one environment with small ids only (a bitmap of them) */
    exec_sql(path, "DELETE FROM test_execution WHERE id > 1000;");
    assert_false(compare(path, "default", cache));
    /* another environment of the same database has an index of its own */
    assert_false(compare(path, "other", cache));
    assert_true(compare(path, "other", cache));
    assert_true(compare(path, "default", cache));
}

/* Links whose rowids span more than depindex_build's split point: read by
 * two connections on two threads (the rowid range halved) and by one, the
 * same answers as db.c's; names sharing prefixes, non-ASCII ones, several
 * fingerprints per file, dangling and malformed links among them. */
static void split_read_agrees(void **state)
{
    (void)state;
    char path[512], cache[512];
    snprintf(path, sizeof path, "%s/split.testmondata", tmpdir);
    snprintf(cache, sizeof cache, "%s/cache-split", tmpdir);
    exec_sql(path, odd_schema);
    exec_sql(path,
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 8000)"
             " INSERT INTO test_execution SELECT 100 + i, 1 + (i % 9 = 0),"
             " printf('tests/test_%03d.py::t%d', i % 50, i), 0.01 * i, i % 7 = 0, 0"
             " FROM n WHERE i <= 400;"
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 8000)"
             " INSERT INTO file_fp SELECT 100 + i, printf('pkg/m%02d/\xC3\xA9%d.py', i % 13, i % 40),"
             " CASE WHEN i % 5 = 0 THEN NULL ELSE zeroblob(4 * (i % 4)) END, NULL,"
             " CASE WHEN i % 11 = 0 THEN NULL ELSE printf('%040d', i) END FROM n WHERE i <= 300;"
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 8000)"
             " INSERT INTO test_execution_file_fp (rowid, test_execution_id, fingerprint_id)"
             " SELECT 1000 + 40 * i, 100 + 1 + i % 400,"
             " CASE WHEN i % 97 = 0 THEN 99999 ELSE 100 + 1 + (7 * i) % 300 END FROM n;");
    assert_false(compare(path, "default", NULL));
    assert_false(compare(path, "default", cache));
    assert_true(compare(path, "default", cache));
    assert_false(compare(path, "other", NULL));
    /* the same links in a narrow rowid range: one reader */
    exec_sql(path, "UPDATE test_execution_file_fp SET rowid = rowid + 3000000;"
                   "UPDATE test_execution_file_fp SET rowid = 3000000 + (rowid - 3000000) / 40"
                   " WHERE rowid >= 3001000;");
    assert_false(compare(path, "default", NULL));
}

/* A changed database is a different database: never the old index. */
static void changed_database_rebuilds(void **state)
{
    (void)state;
    char path[512], cache[512];
    snprintf(path, sizeof path, "%s/changed.testmondata", tmpdir);
    snprintf(cache, sizeof cache, "%s/cache-changed", tmpdir);
    exec_sql(path, odd_schema);
    assert_false(compare(path, "default", cache));
    assert_true(compare(path, "default", cache));
    exec_sql(path, "INSERT INTO test_execution_file_fp VALUES (9, 2);");
    assert_false(compare(path, "default", cache)); /* compare() checks the new link too */
    assert_true(compare(path, "default", cache));
}

/* A database renamed over the opened one (tmdiff fetch installs by rename)
 * is not what the connection reads: no index, and none saved for it. */
static void replaced_database_gets_no_index(void **state)
{
    (void)state;
    char path[512], other[512], cache[512];
    snprintf(path, sizeof path, "%s/replaced.testmondata", tmpdir);
    snprintf(other, sizeof other, "%s/replacement.testmondata", tmpdir);
    snprintf(cache, sizeof cache, "%s/cache-replaced", tmpdir);
    exec_sql(path, odd_schema);
    exec_sql(other, odd_schema);
    exec_sql(other, "INSERT INTO test_execution_file_fp VALUES (9, 2);");
    tmd_db *db = NULL;
    assert_int_equal(tmd_db_open(&db, path), 0);
    tmd_db_env e;
    assert_int_equal(tmd_db_env_find(&e, db, "default"), 0);
    assert_int_equal(rename(other, path), 0);
    tmd_depindex *ix = NULL;
    assert_int_not_equal(tmd_depindex_open(&ix, db, path, e.id, cache, 1), 0);
    assert_null(ix);
    tmd_db_close(db);
    /* the replacement, opened now, gets its own index */
    assert_false(compare(path, "default", cache));
    assert_true(compare(path, "default", cache));
}

static char *only_index_file(const char *cache)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "ls %s/depindex/*.idx", cache);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    static char name[600];
    assert_non_null(fgets(name, sizeof name, p));
    name[strcspn(name, "\n")] = '\0';
    char extra[600];
    assert_null(fgets(extra, sizeof extra, p));
    pclose(p);
    return name;
}

static int count_links(void *ctx, int64_t test_id, size_t which, const int32_t *c, size_t n)
{
    (void)test_id, (void)which, (void)c, (void)n;
    ++*(size_t *)ctx;
    return 0;
}

/* The cached index has a flipped byte in fingerprint links or checksums
 * (checked when read, not at open): it opens, but refuses the links of
 * every fingerprint, passes none on, and deletes the file. */
static void damaged_links_are_refused(const char *path, const char *cache, const char *idx)
{
    tmd_db *db = NULL;
    assert_int_equal(tmd_db_open(&db, path), 0);
    tmd_db_env e;
    assert_int_equal(tmd_db_env_find(&e, db, "default"), 0);
    tmd_depindex *ix = NULL;
    assert_int_equal(tmd_depindex_open(&ix, db, path, e.id, cache, 1), 0);
    assert_true(tmd_depindex_was_cached(ix));
    tmd_db_fp *fps = NULL;
    size_t nfps = 0, calls = 0;
    assert_int_equal(tmd_depindex_fps(ix, &fps, &nfps), 0);
    int64_t *ids = malloc((nfps ? nfps : 1) * sizeof *ids);
    assert_non_null(ids);
    for (size_t i = 0; i < nfps; i++)
        ids[i] = fps[i].id;
    for (size_t i = 1; i < nfps; i++) /* ascending, as select.c passes them */
        for (size_t j = i; j > 0 && ids[j - 1] > ids[j]; j--) {
            int64_t t = ids[j];
            ids[j] = ids[j - 1];
            ids[j - 1] = t;
        }
    assert_int_equal(tmd_depindex_links_each(ix, ids, nfps, count_links, &calls), TMD_EFORMAT);
    assert_int_equal(calls, 0);
    assert_int_not_equal(access(idx, F_OK), 0); /* deleted: the next run rebuilds */
    free(ids);
    free(fps);
    tmd_depindex_close(ix);
    tmd_db_close(db);
}

/* Any byte of the cached file changed: never used. In the part checked at
 * open it is rebuilt at once; in a fingerprint's links or checksums it is
 * refused when they are read. Either way the next answers are the same. */
static void damaged_cache_is_rebuilt(void **state)
{
    (void)state;
    char path[512], cache[512];
    snprintf(path, sizeof path, "%s/damaged.testmondata", tmpdir);
    snprintf(cache, sizeof cache, "%s/cache-damaged", tmpdir);
    exec_sql(path, odd_schema);
    assert_false(compare(path, "default", cache));
    const char *idx = only_index_file(cache);
    size_t len = 0;
    unsigned char *data = (unsigned char *)support_read_file(idx, &len);
    assert_non_null(data);
    depindex_head h;
    assert_true(len >= sizeof h);
    memcpy(&h, data, sizeof h);
    size_t links0 = sizeof h + h.ntests * sizeof(depindex_test);
    size_t links1 = links0 + h.nlinks * sizeof(int64_t);
    size_t sums0 = links1 + h.nfps * (sizeof(int64_t) + sizeof(depindex_fp) + sizeof(uint32_t)) +
                   h.nfiles * sizeof(depindex_file);
    size_t sums1 = sums0 + h.nsums * sizeof(int32_t);
    assert_true(h.nlinks > 0 && h.nsums > 0 && sums1 < len);
    size_t at[16], nat = 0;
    for (size_t p = 0; p < len && nat < 12; p += len / 7 + 1)
        at[nat++] = p;
    at[nat++] = links0;     /* the first link */
    at[nat++] = sums1 - 1;  /* the last checksum */
    at[nat++] = len - 1;    /* the last fingerprint's link hash */
    for (size_t k = 0; k < nat; k++) {
        unsigned char *copy = malloc(len);
        assert_non_null(copy);
        memcpy(copy, data, len);
        copy[at[k]] ^= 0x20;
        FILE *f = fopen(idx, "wb");
        assert_non_null(f);
        fwrite(copy, 1, len, f);
        fclose(f);
        free(copy);
        if ((at[k] >= links0 && at[k] < links1) || (at[k] >= sums0 && at[k] < sums1))
            damaged_links_are_refused(path, cache, idx);
        assert_false(compare(path, "default", cache)); /* rewritten by this call */
        assert_true(compare(path, "default", cache));
    }
    /* truncated */
    FILE *f = fopen(idx, "wb");
    assert_non_null(f);
    fwrite(data, 1, len / 2, f);
    fclose(f);
    assert_false(compare(path, "default", cache));
    free(data);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_depindex.XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kit_databases_agree),
        cmocka_unit_test(odd_rows_agree),
        cmocka_unit_test(split_read_agrees),
        cmocka_unit_test(changed_database_rebuilds),
        cmocka_unit_test(damaged_cache_is_rebuilt),
        cmocka_unit_test(replaced_database_gets_no_index),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0)
        rc = rc ? rc : 1;
    return rc;
}
