/* test_db.c: the database reader against the conformance kit's decoded dumps
 * (base.dump.json, written from the real databases by Python's sqlite3), and
 * against hostile or broken databases, which must each fail clearly. */
#include "select_internal.h"
#include "support.h"

#include <cJSON.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const projects[] = {"invoicing", "textkit", "geometry", "taskq"};

/* ---- conformance: every row as the kit decoded it ------------------------ */

typedef struct walk {
    cJSON *tests;           /* the dump's test_executions */
    tmd_db_test *db_tests;
    size_t ndb_tests;
    const char **files;     /* filename of each id in `ids` */
    const char **fshas;
    size_t edges;
} walk;

static cJSON *dump_test(cJSON *tests, const char *name)
{
    cJSON *t;
    cJSON_ArrayForEach(t, tests)
        if (!strcmp(cJSON_GetObjectItem(t, "test_name")->valuestring, name))
            return t;
    return NULL;
}

static int check_edge(void *ctx, int64_t test_id, size_t which, const int32_t *checksums,
                      size_t count)
{
    walk *w = ctx;
    const char *name = NULL;
    for (size_t i = 0; i < w->ndb_tests; i++)
        if (w->db_tests[i].id == test_id)
            name = w->db_tests[i].name;
    assert_non_null(name);
    cJSON *t = dump_test(w->tests, name);
    assert_non_null(t);
    cJSON *dep, *match = NULL;
    cJSON_ArrayForEach(dep, cJSON_GetObjectItem(t, "deps"))
        if (!strcmp(cJSON_GetObjectItem(dep, "filename")->valuestring, w->files[which]))
            match = dep;
    assert_non_null(match);
    cJSON *jfsha = cJSON_GetObjectItem(match, "fsha");
    if (cJSON_IsNull(jfsha))
        assert_null(w->fshas[which]);
    else
        assert_string_equal(w->fshas[which], jfsha->valuestring);
    cJSON *sums = cJSON_GetObjectItem(match, "method_checksums");
    assert_int_equal(count, (size_t)cJSON_GetArraySize(sums));
    for (size_t i = 0; i < count; i++)
        assert_int_equal(checksums[i], (int32_t)cJSON_GetArrayItem(sums, (int)i)->valuedouble);
    w->edges++;
    return 0;
}

static int cmp_fp_id(const void *a, const void *b)
{
    int64_t x = ((const tmd_db_fp *)a)->id, y = ((const tmd_db_fp *)b)->id;
    return (x > y) - (x < y);
}

static void reads_project(const char *project)
{
    char rel[256];
    snprintf(rel, sizeof rel, "conformance/projects/%s/base.dump.json", project);
    char *text = support_read_file(support_shared_path(rel), NULL);
    assert_non_null(text);
    cJSON *dump = cJSON_Parse(text);
    free(text);
    assert_non_null(dump);

    /* Opened in place: the kit is read-only, so this also proves that tmdiff
     * never needs to write beside the database. */
    snprintf(rel, sizeof rel, "conformance/projects/%s/base.testmondata", project);
    tmd_db *db = NULL;
    assert_int_equal(tmd_db_open(&db, support_shared_path(rel)), TMD_OK);
    assert_int_equal(tmd_db_version(db), cJSON_GetObjectItem(dump, "user_version")->valueint);

    cJSON *env = cJSON_GetArrayItem(cJSON_GetObjectItem(dump, "environments"), 0);
    tmd_db_env e;
    assert_int_equal(tmd_db_env_find(&e, db, "default"), TMD_OK);
    assert_int_equal(e.id, cJSON_GetObjectItem(env, "id")->valueint);
    assert_string_equal(e.python_version, cJSON_GetObjectItem(env, "python_version")->valuestring);
    assert_string_equal(e.system_packages,
                        cJSON_GetObjectItem(env, "system_packages")->valuestring);
    tmd_db_env none;
    assert_int_equal(tmd_db_env_find(&none, db, "no-such-env"), TMD_ENOTFOUND);
    assert_non_null(strstr(tmd_error_message(), "no-such-env"));

    walk w = {cJSON_GetObjectItem(dump, "test_executions"), NULL, 0, NULL, NULL, 0};
    assert_int_equal(tmd_db_tests_load(&w.db_tests, &w.ndb_tests, db, e.id), TMD_OK);
    assert_int_equal(w.ndb_tests, (size_t)cJSON_GetArraySize(w.tests));
    size_t expected_edges = 0;
    for (size_t i = 0; i < w.ndb_tests; i++) {
        cJSON *t = dump_test(w.tests, w.db_tests[i].name);
        assert_non_null(t);
        assert_int_equal(w.db_tests[i].failed, cJSON_GetObjectItem(t, "failed")->valueint);
        expected_edges += (size_t)cJSON_GetArraySize(cJSON_GetObjectItem(t, "deps"));
    }

    tmd_db_fp *fps = NULL;
    size_t nfps = 0;
    assert_int_equal(tmd_db_fps_load(&fps, &nfps, db, w.db_tests, w.ndb_tests), TMD_OK);
    assert_true(nfps > 0);
    for (size_t i = 1; i < nfps; i++) /* sorted by filename */
        assert_true(strcmp(fps[i - 1].filename, fps[i].filename) <= 0);
    qsort(fps, nfps, sizeof *fps, cmp_fp_id);
    int64_t *ids = malloc(nfps * sizeof *ids);
    w.files = malloc(nfps * sizeof *w.files);
    w.fshas = malloc(nfps * sizeof *w.fshas);
    for (size_t i = 0; i < nfps; i++) {
        ids[i] = fps[i].id;
        w.files[i] = fps[i].filename;
        w.fshas[i] = fps[i].fsha;
    }
    /* Every link of every fingerprint, each as the kit decoded it. */
    assert_int_equal(tmd_db_links_each(db, w.db_tests, w.ndb_tests, ids, nfps, check_edge, &w),
                     0);
    assert_int_equal(w.edges, expected_edges);
    /* Restricted to one fingerprint: only its links. */
    w.edges = 0;
    assert_int_equal(tmd_db_links_each(db, w.db_tests, w.ndb_tests, ids, 1, check_edge, &w), 0);
    assert_true(w.edges >= 1 && w.edges < expected_edges);

    free(ids), free(w.files), free(w.fshas);
    tmd_db_fps_free(fps, nfps);
    tmd_db_tests_free(w.db_tests, w.ndb_tests);
    tmd_db_close(db);
    cJSON_Delete(dump);
}

static void test_db__conformance_databases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof projects / sizeof projects[0]; i++)
        reads_project(projects[i]);
}

/* ---- hostile and broken databases ---------------------------------------- */

static char tmpdir[256];

static int make_tmpdir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/tmdiff-test-db-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
    (void)state;
    char cmd[700];
    snprintf(cmd, sizeof cmd, "chmod -R u+w '%s' && rm -rf '%s'", tmpdir, tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char schema[] =
    "CREATE TABLE metadata (dataid TEXT PRIMARY KEY, data TEXT);"
    "CREATE TABLE environment (id INTEGER PRIMARY KEY ASC, environment_name TEXT,"
    " system_packages TEXT, python_version TEXT);"
    "CREATE TABLE test_execution (id INTEGER PRIMARY KEY ASC, environment_id INTEGER,"
    " test_name TEXT, duration FLOAT, failed BIT, forced BIT);"
    "CREATE TABLE file_fp (id INTEGER PRIMARY KEY, filename TEXT, method_checksums BLOB,"
    " mtime FLOAT, fsha TEXT);"
    "CREATE TABLE test_execution_file_fp (test_execution_id INTEGER, fingerprint_id INTEGER);"
    "INSERT INTO environment VALUES (1, 'default', 'pytest 7.2', '3.11.2');"
    "INSERT INTO test_execution VALUES (1, 1, 'tests/test_a.py::test_a', 0.5, 0, 0);"
    "INSERT INTO test_execution_file_fp VALUES (1, 1);";

/* Writes a database: the schema, user_version, then `extra` SQL. */
static const char *make_db(const char *name, int version, const char *extra)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    unlink(path);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char sql[256];
    snprintf(sql, sizeof sql, "PRAGMA user_version=%d;", version);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, schema, NULL, NULL, NULL), SQLITE_OK);
    if (extra)
        assert_int_equal(sqlite3_exec(db, extra, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    return path;
}

static int count_edges(void *ctx, int64_t test_id, size_t which, const int32_t *c, size_t n)
{
    (void)test_id, (void)which, (void)c, (void)n;
    ++*(int *)ctx;
    return 0;
}

/* Opens and walks every link of the database; returns the first failure. */
static int read_all(const char *path, const char *filename)
{
    (void)filename;
    tmd_db *db = NULL;
    tmd_db_env e;
    tmd_db_test *tests = NULL;
    tmd_db_fp *fps = NULL;
    size_t n = 0, nfps = 0;
    int edges = 0;
    int rc = tmd_db_open(&db, path);
    if (rc == TMD_OK)
        rc = tmd_db_env_find(&e, db, "default");
    if (rc == TMD_OK)
        rc = tmd_db_tests_load(&tests, &n, db, e.id);
    if (rc == TMD_OK)
        rc = tmd_db_fps_load(&fps, &nfps, db, tests, n);
    if (rc == TMD_OK && nfps) {
        int64_t ids[1] = {fps[0].id};
        rc = tmd_db_links_each(db, tests, n, ids, 1, count_edges, &edges);
    }
    tmd_db_fps_free(fps, nfps);
    tmd_db_tests_free(tests, n);
    tmd_db_close(db);
    return rc;
}

static void test_db__good_synthetic_database_reads(void **state)
{
    (void)state;
    const char *p = make_db("good", 13, "INSERT INTO file_fp VALUES (1, 'a.py', "
                                        "X'0100000002000000', NULL, NULL);");
    assert_int_equal(read_all(p, "a.py"), TMD_OK);
}

static void test_db__not_sqlite(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/text", tmpdir);
    FILE *f = fopen(path, "w");
    fputs("this is not a database, just some text that is long enough\n", f);
    fclose(f);
    assert_int_equal(read_all(path, "a.py"), TMD_EFORMAT);
    assert_non_null(strstr(tmd_error_message(), path));
}

static void test_db__truncated(void **state)
{
    (void)state;
    /* A real database cut short in the middle of its pages. */
    size_t size = 300000;
    char *sql = malloc(size);
    assert_non_null(sql);
    size_t off = (size_t)snprintf(sql, size, "INSERT INTO file_fp VALUES (1, 'a.py', X'");
    for (int i = 0; i < 30000; i++)
        off += (size_t)snprintf(sql + off, size - off, "%08x", i);
    snprintf(sql + off, size - off, "', NULL, NULL);");
    const char *p = make_db("trunc", 14, sql);
    free(sql);
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(truncate(p, st.st_size / 2), 0);
    int rc = read_all(p, "a.py");
    assert_int_not_equal(rc, TMD_OK);
    assert_true(strlen(tmd_error_message()) > 0);
}

static void test_db__unknown_version(void **state)
{
    (void)state;
    assert_int_equal(read_all(make_db("v12", 12, NULL), "a.py"), TMD_EFORMAT);
    assert_non_null(strstr(tmd_error_message(), "version 12"));
    assert_int_equal(read_all(make_db("v15", 15, NULL), "a.py"), TMD_EFORMAT);
}

static void test_db__missing_table(void **state)
{
    (void)state;
    assert_int_equal(read_all(make_db("nofp", 14, "DROP TABLE file_fp;"), "a.py"), TMD_EFORMAT);
    assert_non_null(strstr(tmd_error_message(), "file_fp"));
    assert_int_equal(read_all(make_db("nocol", 14, "ALTER TABLE test_execution DROP COLUMN "
                                                   "failed;"), "a.py"), TMD_EFORMAT);
    assert_non_null(strstr(tmd_error_message(), "failed"));
}

static void test_db__odd_length_checksums(void **state)
{
    (void)state;
    const char *p = make_db("odd", 14, "INSERT INTO file_fp VALUES (1, 'a.py', X'0100000002', "
                                       "NULL, 'x');");
    assert_int_equal(read_all(p, "a.py"), TMD_EFORMAT);
    assert_non_null(strstr(tmd_error_message(), "5 bytes"));
}

static void test_db__text_where_blob_belongs(void **state)
{
    (void)state;
    const char *p = make_db("textblob", 14, "INSERT INTO file_fp VALUES (1, 'a.py', 'abcd', "
                                            "NULL, NULL);");
    assert_int_equal(read_all(p, "a.py"), TMD_EFORMAT);
}

static void test_db__huge_blob(void **state)
{
    (void)state;
    /* 40 MiB of zeros: more blocks than any file has; refused, not loaded. */
    const char *p = make_db("huge", 14, "INSERT INTO file_fp VALUES (1, 'a.py', "
                                        "zeroblob(41943040), NULL, NULL);");
    int rc = read_all(p, "a.py");
    assert_int_equal(rc, TMD_EFORMAT);
}

static void test_db__malformed_test_row(void **state)
{
    (void)state;
    const char *p = make_db("badrow", 14, "INSERT INTO test_execution VALUES (2, 1, X'00', 0, 0, 0);");
    assert_int_equal(read_all(p, "a.py"), TMD_EFORMAT);
    p = make_db("badfailed", 14, "INSERT INTO test_execution VALUES (2, 1, 't.py::t', 0, 'x', 0);");
    assert_int_equal(read_all(p, "a.py"), TMD_EFORMAT);
}

static void test_db__several_rows_of_one_environment(void **state)
{
    (void)state;
    /* testmon adds a row when the packages change; the newest is the
     * default, an exact match is found by its Python and packages. */
    const char *p = make_db("twoenv", 14, "INSERT INTO environment VALUES (2, 'default', "
                                          "'pytest 8.0', '3.12.1');");
    tmd_db *db = NULL;
    tmd_db_env e;
    assert_int_equal(tmd_db_open(&db, p), TMD_OK);
    assert_int_equal(tmd_db_env_find(&e, db, "default"), TMD_OK);
    assert_int_equal(e.id, 2);
    assert_string_equal(e.python_version, "3.12.1");
    assert_int_equal(tmd_db_env_find_exact(&e, db, "default", "3.11.2", "pytest 7.2"), TMD_OK);
    assert_int_equal(e.id, 1);
    assert_int_equal(tmd_db_env_find_exact(&e, db, "default", "3.11.2", "pytest 8.0"),
                     TMD_ENOTFOUND);
    tmd_db_close(db);
}

static void test_db__missing_file(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/absent", tmpdir);
    tmd_db *db = NULL;
    assert_int_equal(tmd_db_open(&db, path), TMD_ENOTFOUND);
    assert_null(db);
}

/* A WAL database whose newest rows live only in the -wal file, in a
 * read-only directory: the rows are seen and nothing is written beside it. */
static void test_db__wal_in_readonly_directory(void **state)
{
    (void)state;
    char dir[512], path[600], shm[640];
    snprintf(dir, sizeof dir, "%s/waldir", tmpdir);
    assert_int_equal(mkdir(dir, 0755), 0);
    snprintf(path, sizeof path, "%s/.testmondata", dir);
    snprintf(shm, sizeof shm, "%s-shm", path);

    sqlite3 *w;
    assert_int_equal(sqlite3_open(path, &w), SQLITE_OK);
    assert_int_equal(sqlite3_exec(w, "PRAGMA journal_mode=WAL; PRAGMA user_version=14;", NULL,
                                  NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(w, schema, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(w, "PRAGMA wal_autocheckpoint=0; INSERT INTO test_execution "
                                     "VALUES (2, 1, 'tests/test_b.py::only_in_wal', 1, 1, 0);",
                                  NULL, NULL, NULL), SQLITE_OK);
    /* Copy the files while the writer still holds them (no checkpoint),
     * the way a CI artifact captures a live database. */
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "mkdir '%s/ro' && cp '%s' '%s-wal' '%s/ro/' && chmod 0555 '%s/ro'",
             dir, path, path, dir, dir);
    assert_int_equal(system(cmd), 0);
    sqlite3_close(w);

    char ro[700], ro_shm[720];
    snprintf(ro, sizeof ro, "%s/ro/.testmondata", dir);
    snprintf(ro_shm, sizeof ro_shm, "%s-shm", ro);
    struct stat before, after;
    assert_int_equal(stat(ro, &before), 0);

    tmd_db *db = NULL;
    tmd_db_env e;
    tmd_db_test *tests = NULL;
    size_t n = 0;
    assert_int_equal(tmd_db_open(&db, ro), TMD_OK);
    assert_int_equal(tmd_db_env_find(&e, db, "default"), TMD_OK);
    assert_int_equal(tmd_db_tests_load(&tests, &n, db, e.id), TMD_OK);
    assert_int_equal(n, 2);
    assert_string_equal(tests[1].name, "tests/test_b.py::only_in_wal");
    assert_int_equal(tests[1].failed, 1);
    tmd_db_tests_free(tests, n);
    tmd_db_close(db);

    assert_int_equal(stat(ro, &after), 0);
    assert_int_equal(before.st_size, after.st_size);
    assert_int_equal(before.st_mtime, after.st_mtime);
    assert_int_not_equal(access(ro_shm, F_OK), 0);
}

int main(void)
{
    char probe[4096];
    snprintf(probe, sizeof probe, "%s", support_shared_path("conformance/projects"));
    struct stat st;
    if (stat(probe, &st) != 0) {
        fprintf(stderr, "no conformance kit at %s\n", probe);
        return SUPPORT_SKIP;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_db__conformance_databases),
        cmocka_unit_test(test_db__good_synthetic_database_reads),
        cmocka_unit_test(test_db__not_sqlite),
        cmocka_unit_test(test_db__truncated),
        cmocka_unit_test(test_db__unknown_version),
        cmocka_unit_test(test_db__missing_table),
        cmocka_unit_test(test_db__odd_length_checksums),
        cmocka_unit_test(test_db__text_where_blob_belongs),
        cmocka_unit_test(test_db__huge_blob),
        cmocka_unit_test(test_db__malformed_test_row),
        cmocka_unit_test(test_db__several_rows_of_one_environment),
        cmocka_unit_test(test_db__missing_file),
        cmocka_unit_test(test_db__wal_in_readonly_directory),
    };
    return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
