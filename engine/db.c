/* db.c: reads a pytest-testmon database (data versions 13 and 14).
 *
 * The file comes from a CI server, so it is treated as hostile: opened
 * read-only with SQLite's defensive mode on, schema code (triggers, views,
 * functions named in the schema) untrusted, every column type and blob size
 * checked. The file is never written: without a -wal beside it, it is opened
 * `immutable=1`; with one, the database and its WAL are copied to a private
 * temporary directory first (a read-only WAL open would create a -shm file
 * beside the original, and fails in read-only places). */
#include "error.h"
#include "select_internal.h"
#include "depindex.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A blob of method checksums larger than this is not something testmon
 * writes (4 million blocks in one file); refuse rather than allocate. */
#define MAX_CHECKSUM_BLOB (16u << 20)

struct tmd_db {
    sqlite3 *sql;
    int version;
    char *path;    /* as given, for messages */
    char *tmpdir;  /* private copy (WAL case), removed on close */
    char *env_name, *env_packages, *env_python; /* last tmd_db_env_find */
};

static int sql_fail(tmd_db *db, int status, const char *what)
{
    return tmd_error(status, "%s: %s: %s (the database is damaged or not written by "
                     "pytest-testmon; run every test)", db->path, what,
                     db->sql ? sqlite3_errmsg(db->sql) : "cannot open");
}

/* "file:" URI of `path` with the characters URIs reserve escaped. */
static char *file_uri(const char *path, const char *query)
{
    size_t n = strlen(path), q = strlen(query);
    char *uri = malloc(5 + 3 * n + 1 + q + 1);
    if (!uri)
        return NULL;
    char *p = uri;
    memcpy(p, "file:", 5);
    p += 5;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)path[i];
        if (c == '%' || c == '?' || c == '#' || c < 0x21 || c >= 0x7f) {
            sprintf(p, "%%%02X", c);
            p += 3;
        } else {
            *p++ = (char)c;
        }
    }
    *p++ = '?';
    memcpy(p, query, q + 1);
    return uri;
}

static int copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    if (!in)
        return -1;
    FILE *out = fopen(to, "wb");
    if (!out) {
        fclose(in);
        return -1;
    }
    char chunk[65536];
    size_t got;
    int rc = 0;
    while ((got = fread(chunk, 1, sizeof chunk, in)) > 0)
        if (fwrite(chunk, 1, got, out) != got) {
            rc = -1;
            break;
        }
    if (ferror(in))
        rc = -1;
    fclose(in);
    if (fclose(out) != 0)
        rc = -1;
    return rc;
}

/* Copies PATH and PATH-wal into a fresh temporary directory; *out_db is the
 * copy's path (free() it). */
static int copy_with_wal(tmd_db *db, char **out_db)
{
    const char *tmp = getenv("TMPDIR");
    char templ[4096];
    snprintf(templ, sizeof templ, "%s/tmdiff-db-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(templ))
        return tmd_error(TMD_EIO, "%s: cannot make a temporary copy to read its -wal file: %s "
                         "(set TMPDIR to a writable directory)", db->path, strerror(errno));
    db->tmpdir = strdup(templ);
    size_t n = strlen(templ) + 32;
    char *copy = malloc(n), *wal_from = malloc(strlen(db->path) + 5), *wal_to = malloc(n);
    if (!db->tmpdir || !copy || !wal_from || !wal_to) {
        free(copy), free(wal_from), free(wal_to);
        return tmd_error(TMD_ENOMEM, "%s: out of memory", db->path);
    }
    snprintf(copy, n, "%s/testmondata", templ);
    snprintf(wal_to, n, "%s/testmondata-wal", templ);
    sprintf(wal_from, "%s-wal", db->path);
    int ok = copy_file(db->path, copy) == 0 && copy_file(wal_from, wal_to) == 0;
    free(wal_from), free(wal_to);
    if (!ok) {
        free(copy);
        return tmd_error(TMD_EIO, "%s: cannot copy it and its -wal file to %s: %s "
                         "(set TMPDIR to a writable directory)", db->path, templ, strerror(errno));
    }
    *out_db = copy;
    return TMD_OK;
}

static void remove_tmpdir(const char *dir)
{
    const char *names[] = {"testmondata", "testmondata-wal", "testmondata-shm"};
    char path[4200];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

/* The tables and columns selection reads; anything missing is an error. */
static const char *const required[][2] = {
    {"environment", "id"},          {"environment", "environment_name"},
    {"environment", "system_packages"}, {"environment", "python_version"},
    {"test_execution", "id"},       {"test_execution", "environment_id"},
    {"test_execution", "test_name"}, {"test_execution", "duration"},
    {"test_execution", "failed"},   {"file_fp", "id"},
    {"file_fp", "filename"},        {"file_fp", "method_checksums"},
    {"file_fp", "fsha"},            {"test_execution_file_fp", "test_execution_id"},
    {"test_execution_file_fp", "fingerprint_id"},
};

static int check_schema(tmd_db *db)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db->sql, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return sql_fail(db, TMD_EFORMAT, "not a readable SQLite database");
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(st);
        return sql_fail(db, TMD_EFORMAT, "not a readable SQLite database");
    }
    db->version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (db->version != 13 && db->version != 14)
        return tmd_error(TMD_EFORMAT, "%s: data version %d is not one tmdiff knows (13 and 14, "
                         "pytest-testmon 2.0-2.2; run every test, or record the data with "
                         "a supported pytest-testmon)", db->path, db->version);
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        int pk = 0;
        if (sqlite3_table_column_metadata(db->sql, "main", required[i][0], required[i][1],
                                          NULL, NULL, NULL, &pk, NULL) != SQLITE_OK)
            return tmd_error(TMD_EFORMAT, "%s: table %s has no column %s (not a complete "
                             "pytest-testmon database; run every test)", db->path,
                             required[i][0], required[i][1]);
    }
    return TMD_OK;
}

/* Every fingerprint blob must be packed 32-bit checksums of a sane size,
 * checked up front (length() does not read the blobs) so a damaged row
 * fails the run even when its file is unchanged. */
int tmd_db_check_fingerprints(tmd_db *db)
{
    sqlite3_stmt *st = NULL;
    char sql[300];
    snprintf(sql, sizeof sql, "SELECT id, length(method_checksums) FROM file_fp WHERE "
             "typeof(method_checksums) NOT IN ('blob', 'null') OR length(method_checksums) %% 4 "
             "OR length(method_checksums) > %u OR typeof(filename) != 'text' LIMIT 1",
             MAX_CHECKSUM_BLOB);
    if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK)
        return sql_fail(db, TMD_EFORMAT, "checking file_fp");
    int rc = sqlite3_step(st);
    long long bad_id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    long long bad_len = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW)
        return tmd_error(TMD_EFORMAT, "%s: file_fp row %lld has a filename that is not text or "
                         "method_checksums of %lld bytes (not packed 32-bit checksums; damaged "
                         "database, run every test)", db->path, bad_id, bad_len);
    if (rc != SQLITE_DONE)
        return sql_fail(db, TMD_EFORMAT, "checking file_fp");
    return TMD_OK;
}

int tmd_db_open(tmd_db **out, const char *path)
{
    int rc = tmd_db_open_unchecked(out, path);
    if (rc == TMD_OK && (rc = tmd_db_check_fingerprints(*out)) != TMD_OK) {
        tmd_db_close(*out);
        *out = NULL;
    }
    return rc;
}

int tmd_db_open_unchecked(tmd_db **out, const char *path)
{
    *out = NULL;
    struct stat st;
    if (stat(path, &st) != 0)
        return tmd_error(errno == ENOENT ? TMD_ENOTFOUND : TMD_EIO,
                         "%s: cannot read the testmon database: %s (run pytest --testmon "
                         "once, or name it with --db)", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return tmd_error(TMD_EFORMAT, "%s: not a regular file (name the .testmondata with --db)",
                         path);

    tmd_db *db = calloc(1, sizeof *db);
    if (!db || !(db->path = strdup(path))) {
        free(db);
        return tmd_error(TMD_ENOMEM, "%s: out of memory", path);
    }

    char wal[4200];
    snprintf(wal, sizeof wal, "%s-wal", path);
    struct stat wst;
    int has_wal = stat(wal, &wst) == 0 && S_ISREG(wst.st_mode) && wst.st_size > 0;

    char *open_path = NULL;
    int rc = TMD_OK;
    if (has_wal && (rc = copy_with_wal(db, &open_path)) != TMD_OK)
        goto fail;
    /* The private copy may be opened read-write: SQLite needs to build its
     * -shm there to read the WAL; query_only below still forbids writes. */
    char *uri = file_uri(open_path ? open_path : path, has_wal ? "mode=rw" : "immutable=1");
    free(open_path);
    if (!uri) {
        rc = tmd_error(TMD_ENOMEM, "%s: out of memory", path);
        goto fail;
    }
    /* no locks: one thread at a time uses a tmd_db (tmdiff.h), and they
     * were ~1% of a cold run, taken on every step and column read */
    int flags = (has_wal ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY) | SQLITE_OPEN_URI |
                SQLITE_OPEN_NOMUTEX;
    int src = sqlite3_open_v2(uri, &db->sql, flags, NULL);
    free(uri);
    if (src != SQLITE_OK) {
        rc = sql_fail(db, TMD_EFORMAT, "cannot open");
        goto fail;
    }
    /* Untrusted input: no schema-defined code, no writes, no views or
     * triggers, and page checks that catch corruption early. */
    sqlite3_db_config(db->sql, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    sqlite3_db_config(db->sql, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
    sqlite3_db_config(db->sql, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
    sqlite3_db_config(db->sql, SQLITE_DBCONFIG_ENABLE_VIEW, 0, NULL);
    sqlite3_limit(db->sql, SQLITE_LIMIT_LENGTH, (int)MAX_CHECKSUM_BLOB * 2);
    sqlite3_exec(db->sql, "PRAGMA query_only=1; PRAGMA cell_size_check=1; "
                 "PRAGMA mmap_size=0", NULL, NULL, NULL);
    if ((rc = check_schema(db)) != TMD_OK)
        goto fail;
    *out = db;
    return TMD_OK;
fail:
    tmd_db_close(db);
    return rc;
}

void tmd_db_close(tmd_db *db)
{
    if (!db)
        return;
    sqlite3_close(db->sql);
    if (db->tmpdir)
        remove_tmpdir(db->tmpdir);
    free(db->tmpdir);
    free(db->path);
    free(db->env_name), free(db->env_packages), free(db->env_python);
    free(db);
}

int tmd_db_version(const tmd_db *db) { return db->version; }

/* A TEXT column as a new string; NULL and non-text values give NULL with
 * *bad set for non-text non-NULL. */
static char *column_text(sqlite3_stmt *st, int col, int *bad)
{
    int type = sqlite3_column_type(st, col);
    if (type == SQLITE_NULL)
        return NULL;
    if (type != SQLITE_TEXT) {
        *bad = 1;
        return NULL;
    }
    const unsigned char *s = sqlite3_column_text(st, col);
    int n = sqlite3_column_bytes(st, col);
    if (!s || memchr(s, 0, (size_t)n)) { /* embedded NUL: not a name */
        *bad = 1;
        return NULL;
    }
    char *copy = malloc((size_t)n + 1);
    if (!copy) {
        *bad = 2;
        return NULL;
    }
    memcpy(copy, s, (size_t)n);
    copy[n] = '\0';
    return copy;
}

/* The newest environment row called `name` (with python_version and
 * system_packages equal to the given ones, when `python` is not NULL). */
static int env_query(tmd_db_env *out, tmd_db *db, const char *name, const char *python,
                     const char *packages)
{
    sqlite3_stmt *st = NULL;
    int rc = TMD_OK;
    const char *sql = python ? "SELECT id, system_packages, python_version FROM environment "
                               "WHERE environment_name = ?1 AND python_version = ?2 AND "
                               "ifnull(system_packages, '') = ?3 ORDER BY id DESC LIMIT 1"
                             : "SELECT id, system_packages, python_version FROM environment "
                               "WHERE environment_name = ?1 ORDER BY id DESC LIMIT 1";
    if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK)
        return sql_fail(db, TMD_EFORMAT, "reading environments");
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (python) {
        sqlite3_bind_text(st, 2, python, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, packages, -1, SQLITE_STATIC);
    }
    int step = sqlite3_step(st);
    if (step == SQLITE_DONE) {
        rc = tmd_error(TMD_ENOTFOUND, "%s: no environment named '%s' (pick one with --env; "
                       "testmon would run every test)", db->path, name);
        goto done;
    }
    if (step != SQLITE_ROW) {
        rc = sql_fail(db, TMD_EFORMAT, "reading environments");
        goto done;
    }
    int bad = 0;
    free(db->env_name), free(db->env_packages), free(db->env_python);
    db->env_name = strdup(name);
    db->env_packages = column_text(st, 1, &bad);
    db->env_python = column_text(st, 2, &bad);
    if (!db->env_name || bad == 2) {
        rc = tmd_error(TMD_ENOMEM, "%s: out of memory", db->path);
        goto done;
    }
    if (bad || !db->env_python || sqlite3_column_type(st, 0) != SQLITE_INTEGER) {
        rc = tmd_error(TMD_EFORMAT, "%s: environment '%s' has no usable python_version or "
                       "system_packages (damaged database; run every test)", db->path, name);
        goto done;
    }
    out->id = sqlite3_column_int64(st, 0);
    out->name = db->env_name;
    out->python_version = db->env_python;
    out->system_packages = db->env_packages ? db->env_packages : "";
done:
    sqlite3_finalize(st);
    return rc;
}

int tmd_db_env_find(tmd_db_env *out, tmd_db *db, const char *name)
{
    return env_query(out, db, name, NULL, NULL);
}

int tmd_db_env_find_exact(tmd_db_env *out, tmd_db *db, const char *name, const char *python,
                          const char *packages)
{
    return env_query(out, db, name, python, packages);
}

/* ---- rows ---------------------------------------------------------------- */

static int cmp_test_id(const void *a, const void *b)
{
    int64_t x = ((const tmd_db_test *)a)->id, y = ((const tmd_db_test *)b)->id;
    return (x > y) - (x < y);
}

int tmd_db_tests_load(tmd_db_test **out, size_t *n, tmd_db *db, int64_t env_id)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db->sql, "SELECT id, test_name, duration, failed FROM "
                           "test_execution WHERE environment_id = ?1", -1, &st, NULL) != SQLITE_OK)
        return sql_fail(db, TMD_EFORMAT, "reading test_execution");
    sqlite3_bind_int64(st, 1, env_id);
    tmd_db_test *tests = NULL;
    size_t count = 0, cap = 0;
    int rc = TMD_OK, step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 256;
            tmd_db_test *grown = realloc(tests, ncap * sizeof *grown);
            if (!grown) {
                rc = tmd_error(TMD_ENOMEM, "%s: out of memory reading tests", db->path);
                goto done;
            }
            tests = grown;
            cap = ncap;
        }
        int bad = 0;
        tmd_db_test *t = &tests[count];
        t->name = column_text(st, 1, &bad);
        if (bad == 2) {
            rc = tmd_error(TMD_ENOMEM, "%s: out of memory reading tests", db->path);
            goto done;
        }
        count++;
        int dtype = sqlite3_column_type(st, 2), ftype = sqlite3_column_type(st, 3);
        if (bad || !t->name || !*t->name || sqlite3_column_type(st, 0) != SQLITE_INTEGER ||
            (dtype != SQLITE_FLOAT && dtype != SQLITE_INTEGER && dtype != SQLITE_NULL) ||
            (ftype != SQLITE_INTEGER && ftype != SQLITE_NULL)) {
            rc = tmd_error(TMD_EFORMAT, "%s: test_execution row %lld is malformed (damaged "
                           "database; run every test)", db->path,
                           (long long)sqlite3_column_int64(st, 0));
            goto done;
        }
        t->id = sqlite3_column_int64(st, 0);
        t->duration = sqlite3_column_double(st, 2);
        t->failed = sqlite3_column_int(st, 3) != 0;
    }
    if (step != SQLITE_DONE) {
        rc = sql_fail(db, TMD_EFORMAT, "reading test_execution");
        goto done;
    }
    if (count)
        qsort(tests, count, sizeof *tests, cmp_test_id);
    for (size_t i = 1; i < count; i++)
        if (tests[i].id == tests[i - 1].id) {
            rc = tmd_error(TMD_EFORMAT, "%s: test_execution id %lld repeats (damaged "
                           "database; run every test)", db->path, (long long)tests[i].id);
            goto done;
        }
done:
    sqlite3_finalize(st);
    if (rc != TMD_OK) {
        tmd_db_tests_free(tests, count);
        return rc;
    }
    *out = tests;
    *n = count;
    return TMD_OK;
}

void tmd_db_tests_free(tmd_db_test *tests, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(tests[i].name);
    free(tests);
}

/* A sorted array of int64 ids with a membership test. */
static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* A set of row ids: a bitmap when the ids are small (testmon's are dense
 * from 1), else a sorted array; hostile ids (negative, 2^62) still work. */
typedef struct idset {
    uint64_t *bits;   /* ids 0 .. nbits-1, or NULL */
    int64_t nbits;
    int64_t *arr;     /* otherwise: sorted ids */
    size_t n, cap;
} idset;

#define IDSET_MAX_BITS ((int64_t)1 << 27) /* 16 MiB of bitmap at most */

/* Prepares a set for ids up to `max_id` (a bitmap when that is small). */
static int idset_init(idset *s, int64_t max_id)
{
    memset(s, 0, sizeof *s);
    if (max_id >= 0 && max_id < IDSET_MAX_BITS) {
        s->nbits = max_id + 1;
        s->bits = calloc((size_t)(s->nbits + 63) / 64, sizeof *s->bits);
        return s->bits ? 0 : -1;
    }
    return 0;
}

static int idset_add(idset *s, int64_t id)
{
    if (s->bits) {
        if (id >= 0 && id < s->nbits)
            s->bits[id >> 6] |= (uint64_t)1 << (id & 63);
        return 0; /* an id above max_id cannot be looked up either */
    }
    if (s->n == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 1024;
        int64_t *grown = realloc(s->arr, ncap * sizeof *grown);
        if (!grown)
            return -1;
        s->arr = grown;
        s->cap = ncap;
    }
    s->arr[s->n++] = id;
    return 0;
}

static int cmp_i64_(const void *a, const void *b);

static void idset_seal(idset *s)
{
    if (!s->bits && s->n)
        qsort(s->arr, s->n, sizeof *s->arr, cmp_i64_);
}

static int idset_has(const idset *s, int64_t id)
{
    if (s->bits)
        return id >= 0 && id < s->nbits && (s->bits[id >> 6] >> (id & 63) & 1);
    return s->n && bsearch(&id, s->arr, s->n, sizeof *s->arr, cmp_i64_) != NULL;
}

static void idset_free(idset *s)
{
    free(s->bits);
    free(s->arr);
}

static int cmp_i64_(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The largest id of a rowid table (an O(log n) look-up). */
static int64_t max_rowid(tmd_db *db, const char *table)
{
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT max(rowid) FROM %s", table);
    sqlite3_stmt *st = NULL;
    int64_t max = -1;
    if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_INTEGER)
        max = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return max;
}

/* The environment's tests as a set (their ids are test_execution rowids). */
static int test_set(idset *s, tmd_db *db, const tmd_db_test *tests, size_t n)
{
    if (idset_init(s, n ? tests[n - 1].id : -1) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (idset_add(s, tests[i].id) != 0)
            return -1;
    idset_seal(s);
    (void)db;
    return 0;
}

static int cmp_fp(const void *a, const void *b)
{
    const tmd_db_fp *x = a, *y = b;
    int c = strcmp(x->filename, y->filename);
    return c ? c : (x->id > y->id) - (x->id < y->id);
}

/* Both passes read whole tables in rowid order: one sequential scan each
 * instead of an index seek per link, which is what makes databases with
 * hundreds of thousands of links cheap to read. */
int tmd_db_fps_load(tmd_db_fp **out, size_t *n, tmd_db *db, const tmd_db_test *tests,
                    size_t ntests)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    idset in_env, used;
    tmd_db_fp *fps = NULL;
    size_t count = 0, fcap = 0;
    int rc = TMD_OK, step;
    memset(&used, 0, sizeof used);
    if (test_set(&in_env, db, tests, ntests) != 0 ||
        idset_init(&used, max_rowid(db, "file_fp")) != 0) {
        rc = tmd_error(TMD_ENOMEM, "%s: out of memory reading links", db->path);
        goto done;
    }

    if (sqlite3_prepare_v2(db->sql, "SELECT test_execution_id, fingerprint_id FROM "
                           "test_execution_file_fp", -1, &st, NULL) != SQLITE_OK) {
        rc = sql_fail(db, TMD_EFORMAT, "reading test_execution_file_fp");
        goto done;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_type(st, 0) != SQLITE_INTEGER ||
            sqlite3_column_type(st, 1) != SQLITE_INTEGER)
            continue; /* a dangling or malformed link names nothing */
        if (!idset_has(&in_env, sqlite3_column_int64(st, 0)))
            continue;
        if (idset_add(&used, sqlite3_column_int64(st, 1)) != 0) {
            rc = tmd_error(TMD_ENOMEM, "%s: out of memory reading links", db->path);
            goto done;
        }
    }
    if (step != SQLITE_DONE) {
        rc = sql_fail(db, TMD_EFORMAT, "reading test_execution_file_fp");
        goto done;
    }
    sqlite3_finalize(st);
    st = NULL;
    idset_seal(&used);

    if (sqlite3_prepare_v2(db->sql, "SELECT id, filename, fsha FROM file_fp", -1, &st,
                           NULL) != SQLITE_OK) {
        rc = sql_fail(db, TMD_EFORMAT, "reading file_fp");
        goto done;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        if (!idset_has(&used, id))
            continue;
        if (count == fcap) {
            size_t ncap = fcap ? fcap * 2 : 256;
            tmd_db_fp *grown = realloc(fps, ncap * sizeof *grown);
            if (!grown) {
                rc = tmd_error(TMD_ENOMEM, "%s: out of memory reading file_fp", db->path);
                goto done;
            }
            fps = grown;
            fcap = ncap;
        }
        int bad = 0;
        tmd_db_fp *f = &fps[count];
        f->id = id;
        f->filename = column_text(st, 1, &bad);
        f->fsha = column_text(st, 2, &bad);
        count++;
        if (bad == 2) {
            rc = tmd_error(TMD_ENOMEM, "%s: out of memory reading file_fp", db->path);
            goto done;
        }
        if (bad || !f->filename) {
            rc = tmd_error(TMD_EFORMAT, "%s: file_fp row %lld has no usable filename or fsha "
                           "(damaged database; run every test)", db->path, (long long)id);
            goto done;
        }
    }
    if (step != SQLITE_DONE)
        rc = sql_fail(db, TMD_EFORMAT, "reading file_fp");
done:
    sqlite3_finalize(st);
    idset_free(&in_env);
    idset_free(&used);
    if (rc != TMD_OK) {
        tmd_db_fps_free(fps, count);
        return rc;
    }
    if (count)
        qsort(fps, count, sizeof *fps, cmp_fp);
    *out = fps;
    *n = count;
    return TMD_OK;
}

void tmd_db_fps_free(tmd_db_fp *fps, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(fps[i].filename), free(fps[i].fsha);
    free(fps);
}

/* The checksums of fingerprint `id`, decoded from the packed blob (the
 * writer's byte order: little-endian in practice). free() *out. */
static int load_checksums(tmd_db *db, sqlite3_stmt *st, int64_t id, int32_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    if (step != SQLITE_ROW)
        return sql_fail(db, TMD_EFORMAT, "reading method_checksums");
    int btype = sqlite3_column_type(st, 0);
    const unsigned char *b = sqlite3_column_blob(st, 0);
    size_t len = (size_t)sqlite3_column_bytes(st, 0);
    if ((btype != SQLITE_BLOB && btype != SQLITE_NULL) || len % 4 || len > MAX_CHECKSUM_BLOB)
        return tmd_error(TMD_EFORMAT, "%s: file_fp row %lld has method_checksums of %zu bytes "
                         "(not packed 32-bit checksums; damaged database, run every test)",
                         db->path, (long long)id, len);
    size_t count = len / 4;
    int32_t *words = malloc(count ? count * sizeof *words : 1);
    if (!words)
        return tmd_error(TMD_ENOMEM, "%s: out of memory reading file_fp", db->path);
    for (size_t i = 0; i < count; i++)
        words[i] = (int32_t)((uint32_t)b[4 * i] | (uint32_t)b[4 * i + 1] << 8 |
                             (uint32_t)b[4 * i + 2] << 16 | (uint32_t)b[4 * i + 3] << 24);
    *out = words;
    *n = count;
    return TMD_OK;
}

int tmd_db_links_each(tmd_db *db, const tmd_db_test *tests, size_t ntests, const int64_t *ids,
                      size_t nids, tmd_db_link_fn fn, void *ctx)
{
    if (!nids)
        return TMD_OK;
    sqlite3_stmt *st = NULL, *blob = NULL;
    int32_t **sums = calloc(nids, sizeof *sums);
    size_t *counts = calloc(nids, sizeof *counts);
    int rc = TMD_OK, step;
    idset in_env;
    if (test_set(&in_env, db, tests, ntests) != 0 || !sums || !counts) {
        rc = tmd_error(TMD_ENOMEM, "%s: out of memory reading links", db->path);
        goto done;
    }
    if (sqlite3_prepare_v2(db->sql, "SELECT test_execution_id, fingerprint_id FROM "
                           "test_execution_file_fp", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db->sql, "SELECT method_checksums FROM file_fp WHERE id = ?1", -1,
                           &blob, NULL) != SQLITE_OK) {
        rc = sql_fail(db, TMD_EFORMAT, "reading test_execution_file_fp");
        goto done;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_type(st, 0) != SQLITE_INTEGER ||
            sqlite3_column_type(st, 1) != SQLITE_INTEGER)
            continue;
        int64_t test = sqlite3_column_int64(st, 0), fp = sqlite3_column_int64(st, 1);
        const int64_t *hit = bsearch(&fp, ids, nids, sizeof *ids, cmp_i64);
        if (!hit || !idset_has(&in_env, test))
            continue;
        size_t which = (size_t)(hit - ids);
        if (!sums[which] &&
            (rc = load_checksums(db, blob, fp, &sums[which], &counts[which])) != TMD_OK)
            goto done;
        if ((rc = fn(ctx, test, which, sums[which], counts[which])) != 0)
            goto done;
    }
    if (step != SQLITE_DONE)
        rc = sql_fail(db, TMD_EFORMAT, "reading test_execution_file_fp");
done:
    idset_free(&in_env);
    sqlite3_finalize(st);
    sqlite3_finalize(blob);
    for (size_t i = 0; sums && i < nids; i++)
        free(sums[i]);
    free(sums);
    free(counts);
    return rc;
}

/* For depindex.c (depindex.h), which reads the same tables in one pass. */
sqlite3 *tmd_db_sqlite(tmd_db *db) { return db->sql; }
