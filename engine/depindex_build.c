/* depindex_build.c: one pass over file_fp and one over the environment's
 * links, laid out as a depindex block (depindex.h).
 *
 * Where the time goes on a large database (2M links, 140k fingerprints) and
 * what is done about it: the links are the bulk, so they are read by two
 * threads (halves of the rowid range; the second on its own connection to
 * the same immutable file) and grouped by fingerprint with a counting sort
 * (no comparison sort of millions of links). Fingerprint rows keep their
 * strings and checksums in two pools (no allocation per row), file names are
 * interned (a dozen fingerprints share each), and the rows are ordered by
 * sorting the distinct names only: rows arrive in id order, so a stable
 * counting sort by name rank gives "by filename, then id". */
#include "depindex.h"
#include "error.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

/* Same bound as db.c: larger is not something testmon writes. */
#define MAX_SUMS_BLOB (16u << 20)
/* Fewer links than this are read by one thread: a second connection costs
 * more than it saves. */
#define MIN_SPLIT_LINKS 100000

typedef struct fp_row {
    int64_t id;
    uint32_t name;       /* index into names */
    uint32_t fsha;       /* offset into str, or DEPINDEX_NONE (NULL) */
    uint32_t fsha_len;
    uint32_t sum0, nsums; /* sums[sum0 .. sum0 + nsums) */
    uint32_t nlinks;     /* this environment's links */
    uint32_t link0;
    uint32_t block_index; /* its position in the block's fps */
} fp_row;

typedef struct name_ref {
    uint32_t off, len; /* in str */
} name_ref;

/* The links one reader kept, in rowid order. */
typedef struct link_part {
    uint32_t *fp;   /* index into rows */
    uint32_t *test; /* index into the sorted tests */
    size_t n, cap;
} link_part;

typedef struct build {
    tmd_db *db;
    fp_row *rows;       /* in id order after read_fingerprints */
    size_t nrows, rows_cap;
    char *str;          /* NUL-ended file names and fshas */
    size_t nstr, str_cap;
    int32_t *sums;
    size_t nsums, sums_cap;
    name_ref *names;    /* distinct file names */
    size_t nnames, names_cap;
    uint32_t *slots;    /* open addressing over names: index + 1, 0 = empty */
    size_t nslots;
    uint32_t *by_id;    /* rows index of id min_id + i, when ids are dense */
    int64_t min_id;
    size_t nby_id;
    link_part parts[2];
    size_t nparts;
} build;

static int fail(const char *why) { return tmd_error(TMD_EFORMAT, "depindex: %s", why); }
static int oom(void) { return tmd_error(TMD_ENOMEM, "depindex: out of memory"); }

/* Grows *p (of *cap elements of `size` bytes) to hold `need`: 0, or -1. */
static int reserve(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 1024;
    while (ncap < need)
        ncap *= 2;
    if (ncap > SIZE_MAX / size)
        return -1;
    void *grown = realloc(*p, ncap * size);
    if (!grown)
        return -1;
    *p = grown;
    *cap = ncap;
    return 0;
}

/* Appends a NUL-ended copy of s[0..n) to the string pool: its offset, or
 * DEPINDEX_NONE when out of memory or past the index's 32-bit offsets. */
static uint32_t pool_str(build *b, const char *s, size_t n)
{
    if (b->nstr + n + 1 >= UINT32_MAX ||
        reserve((void **)&b->str, &b->str_cap, b->nstr + n + 1, 1))
        return DEPINDEX_NONE;
    uint32_t off = (uint32_t)b->nstr;
    memcpy(b->str + off, s, n);
    b->str[off + n] = '\0';
    b->nstr += n + 1;
    return off;
}

static int grow_slots(build *b)
{
    size_t n = b->nslots ? b->nslots * 2 : 4096;
    uint32_t *slots = calloc(n, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < b->nnames; i++) {
        const name_ref *r = &b->names[i];
        size_t at = XXH3_64bits(b->str + r->off, r->len) & (n - 1);
        while (slots[at])
            at = (at + 1) & (n - 1);
        slots[at] = (uint32_t)i + 1;
    }
    free(b->slots);
    b->slots = slots;
    b->nslots = n;
    return 0;
}

/* The index of file name s[0..n) among the distinct names (added when new),
 * or UINT32_MAX when out of memory. */
static uint32_t intern_name(build *b, const char *s, size_t n)
{
    if ((b->nnames + 1) * 2 > b->nslots && grow_slots(b))
        return UINT32_MAX;
    size_t at = XXH3_64bits(s, n) & (b->nslots - 1);
    for (; b->slots[at]; at = (at + 1) & (b->nslots - 1)) {
        const name_ref *r = &b->names[b->slots[at] - 1];
        if (r->len == n && !memcmp(b->str + r->off, s, n))
            return b->slots[at] - 1;
    }
    if (b->nnames >= UINT32_MAX - 1 ||
        reserve((void **)&b->names, &b->names_cap, b->nnames + 1, sizeof *b->names))
        return UINT32_MAX;
    uint32_t off = pool_str(b, s, n);
    if (off == DEPINDEX_NONE)
        return UINT32_MAX;
    b->names[b->nnames].off = off;
    b->names[b->nnames].len = (uint32_t)n;
    b->slots[at] = (uint32_t)b->nnames + 1;
    return (uint32_t)b->nnames++;
}

/* Column `col` as text without an inner NUL: 1 (with *s, *n), 0 for NULL,
 * -1 for anything else. */
static int text_of(sqlite3_stmt *st, int col, const char **s, size_t *n)
{
    int type = sqlite3_column_type(st, col);
    if (type == SQLITE_NULL)
        return 0;
    if (type != SQLITE_TEXT)
        return -1;
    *s = (const char *)sqlite3_column_text(st, col);
    *n = (size_t)sqlite3_column_bytes(st, col);
    return *s && !memchr(*s, 0, *n) ? 1 : -1;
}

static int cmp_row_id(const void *a, const void *b)
{
    int64_t x = ((const fp_row *)a)->id, y = ((const fp_row *)b)->id;
    return (x > y) - (x < y);
}

/* One file_fp row, checked as db.c's tmd_db_check_fingerprints does (select
 * relies on the build refusing what that check refuses, linked or not). */
static int add_fingerprint(build *b, sqlite3_stmt *st)
{
    const char *name = NULL, *fsha = NULL;
    size_t name_len = 0, fsha_len = 0;
    int has_name = text_of(st, 1, &name, &name_len);
    int has_fsha = text_of(st, 2, &fsha, &fsha_len);
    int btype = sqlite3_column_type(st, 3);
    const unsigned char *blob = sqlite3_column_blob(st, 3);
    size_t len = (size_t)sqlite3_column_bytes(st, 3);
    if (has_name != 1 || has_fsha < 0 || sqlite3_column_type(st, 0) != SQLITE_INTEGER ||
        (btype != SQLITE_BLOB && btype != SQLITE_NULL) || len % 4 || len > MAX_SUMS_BLOB)
        return fail("a file_fp row is not what pytest-testmon writes");
    if (reserve((void **)&b->rows, &b->rows_cap, b->nrows + 1, sizeof *b->rows) ||
        b->nsums + len / 4 >= UINT32_MAX ||
        reserve((void **)&b->sums, &b->sums_cap, b->nsums + len / 4 + 1, sizeof *b->sums))
        return oom();
    fp_row *r = &b->rows[b->nrows];
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    r->name = intern_name(b, name, name_len);
    r->fsha = DEPINDEX_NONE;
    if (has_fsha) {
        r->fsha = pool_str(b, fsha, fsha_len);
        r->fsha_len = (uint32_t)fsha_len;
    }
    if (r->name == UINT32_MAX || (has_fsha && r->fsha == DEPINDEX_NONE))
        return oom();
    r->sum0 = (uint32_t)b->nsums;
    r->nsums = (uint32_t)(len / 4);
    /* Packed little-endian, as db.c reads them. */
    int32_t *sums = b->sums + b->nsums;
    for (uint32_t i = 0; i < r->nsums; i++)
        sums[i] = (int32_t)((uint32_t)blob[4 * i] | (uint32_t)blob[4 * i + 1] << 8 |
                            (uint32_t)blob[4 * i + 2] << 16 | (uint32_t)blob[4 * i + 3] << 24);
    b->nsums += r->nsums;
    b->nrows++;
    return TMD_OK;
}

/* Every file_fp row (the table is small next to the links), in id order. */
static int read_fingerprints(build *b, sqlite3 *conn)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(conn, "SELECT id, filename, fsha, method_checksums FROM file_fp", -1,
                           &st, NULL) != SQLITE_OK)
        return fail("cannot read file_fp");
    int rc = TMD_OK, step, in_order = 1;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if ((rc = add_fingerprint(b, st)) != TMD_OK)
            break;
        if (b->nrows > 1 && b->rows[b->nrows - 1].id <= b->rows[b->nrows - 2].id)
            in_order = 0;
    }
    if (rc == TMD_OK && step != SQLITE_DONE)
        rc = fail("cannot read file_fp");
    sqlite3_finalize(st);
    if (rc != TMD_OK)
        return rc;
    /* the table is scanned in rowid (= id) order; anything else is sorted */
    if (!in_order)
        qsort(b->rows, b->nrows, sizeof *b->rows, cmp_row_id);
    for (size_t i = 1; i < b->nrows; i++)
        if (b->rows[i].id == b->rows[i - 1].id)
            return fail("file_fp ids repeat");
    /* testmon's ids count up from 1: a direct map beats a binary search
     * per link (millions of them, each a string of mispredicted branches) */
    if (b->nrows && b->nrows < UINT32_MAX) {
        int64_t lo = b->rows[0].id, hi = b->rows[b->nrows - 1].id;
        if (hi - lo >= 0 && (uint64_t)(hi - lo) < 4 * (uint64_t)b->nrows + 1024) {
            b->nby_id = (size_t)(hi - lo) + 1;
            b->min_id = lo;
            if (!(b->by_id = malloc(b->nby_id * sizeof *b->by_id)))
                return oom();
            memset(b->by_id, 0xff, b->nby_id * sizeof *b->by_id);
            for (size_t i = 0; i < b->nrows; i++)
                b->by_id[b->rows[i].id - lo] = (uint32_t)i;
        }
    }
    return TMD_OK;
}

static long find_row(const build *b, int64_t id)
{
    if (b->by_id) {
        if (id < b->min_id || (uint64_t)(id - b->min_id) >= b->nby_id)
            return -1;
        uint32_t row = b->by_id[id - b->min_id];
        return row == UINT32_MAX ? -1 : (long)row;
    }
    size_t lo = 0, hi = b->nrows;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->rows[mid].id == id)
            return (long)mid;
        if (b->rows[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* The environment's tests by id: their index in the sorted list, through a
 * direct map when the ids are dense (testmon's count up from 1), else a
 * binary search. Links keep the index (4 bytes, not the 8 of an id): with
 * 2M links that is 8 MB less at the build's peak. */
typedef struct test_map {
    uint32_t *at;   /* index of id min + i, UINT32_MAX for none */
    int64_t min;
    size_t n;
    const tmd_db_test *tests;
    size_t ntests;
} test_map;

static long test_index(const test_map *m, int64_t id)
{
    if (m->at) {
        if (id < m->min || (uint64_t)(id - m->min) >= m->n)
            return -1;
        uint32_t i = m->at[id - m->min];
        return i == UINT32_MAX ? -1 : (long)i;
    }
    size_t lo = 0, hi = m->ntests;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->tests[mid].id == id)
            return (long)mid;
        if (m->tests[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* One reader of the links: rowids [lo, hi] (or all of them) on `conn`. */
typedef struct reader {
    const build *b;
    const test_map *tm;
    sqlite3 *conn;
    int ranged;
    int64_t lo, hi;
    link_part *out;
    int rc;
    char msg[300]; /* the failure, for the thread that reports it */
} reader;

/* The links of the environment's tests to an existing file_fp row, in
 * rowid order (a sequential scan, as db.c reads them). */
static int read_links_range(reader *rd)
{
    const build *b = rd->b;
    link_part *p = rd->out;
    sqlite3_stmt *st = NULL;
    const char *sql = rd->ranged ? "SELECT test_execution_id, fingerprint_id FROM "
                                   "test_execution_file_fp WHERE rowid BETWEEN ?1 AND ?2"
                                 : "SELECT test_execution_id, fingerprint_id FROM "
                                   "test_execution_file_fp";
    if (sqlite3_prepare_v2(rd->conn, sql, -1, &st, NULL) != SQLITE_OK)
        return fail("cannot read test_execution_file_fp");
    if (rd->ranged) {
        sqlite3_bind_int64(st, 1, rd->lo);
        sqlite3_bind_int64(st, 2, rd->hi);
    }
    /* held for the whole scan: every column call below then re-enters a
     * mutex this thread owns instead of taking it (4 per row, 2M rows) */
    sqlite3_mutex *mu = sqlite3_db_mutex(rd->conn);
    sqlite3_mutex_enter(mu);
    int rc = TMD_OK, step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_type(st, 0) != SQLITE_INTEGER ||
            sqlite3_column_type(st, 1) != SQLITE_INTEGER)
            continue; /* a dangling or malformed link names nothing */
        long test = test_index(rd->tm, sqlite3_column_int64(st, 0));
        if (test < 0)
            continue;
        long row = find_row(b, sqlite3_column_int64(st, 1));
        if (row < 0)
            continue;
        if (p->n == p->cap) {
            size_t ncap = p->cap ? p->cap * 2 : 4096;
            uint32_t *f = realloc(p->fp, ncap * sizeof *f);
            if (f)
                p->fp = f;
            uint32_t *t = f ? realloc(p->test, ncap * sizeof *t) : NULL;
            if (!t) {
                rc = oom();
                break;
            }
            p->test = t;
            p->cap = ncap;
        }
        p->fp[p->n] = (uint32_t)row;
        p->test[p->n] = (uint32_t)test;
        p->n++;
    }
    sqlite3_mutex_leave(mu);
    if (rc == TMD_OK && step != SQLITE_DONE)
        rc = fail("cannot read test_execution_file_fp");
    sqlite3_finalize(st);
    return rc;
}

static void *reader_thread(void *arg)
{
    reader *rd = arg;
    rd->rc = read_links_range(rd);
    if (rd->rc != TMD_OK)
        snprintf(rd->msg, sizeof rd->msg, "%s", tmd_error_message());
    return NULL;
}

static int64_t query_int(sqlite3 *conn, const char *sql, int *ok)
{
    sqlite3_stmt *st = NULL;
    int64_t v = 0;
    *ok = sqlite3_prepare_v2(conn, sql, -1, &st, NULL) == SQLITE_OK &&
          sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_INTEGER;
    if (*ok)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* A second read-only connection to the file `main` reads, set up as db.c
 * sets up its own (the database is untrusted), or NULL. Only for a database
 * opened immutable (no WAL): it then cannot change under either reader, and
 * depindex.c checks after the build that the file is still the one
 * identified. */
static sqlite3 *second_connection(sqlite3 *main)
{
    const char *path = sqlite3_db_filename(main, "main");
    if (!path || !*path || sqlite3_db_readonly(main, "main") != 1)
        return NULL;
    size_t n = strlen(path);
    char *uri = malloc(3 * n + 32);
    if (!uri)
        return NULL;
    size_t k = (size_t)sprintf(uri, "file:");
    for (const unsigned char *s = (const unsigned char *)path; *s; s++) {
        if (*s == '%' || *s == '?' || *s == '#' || *s < 0x21 || *s >= 0x7f)
            k += (size_t)sprintf(uri + k, "%%%02X", *s);
        else
            uri[k++] = (char)*s;
    }
    sprintf(uri + k, "?immutable=1");
    sqlite3 *c = NULL;
    int rc = sqlite3_open_v2(uri, &c, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
                             NULL);
    free(uri);
    if (rc != SQLITE_OK) {
        sqlite3_close(c);
        return NULL;
    }
    sqlite3_db_config(c, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    sqlite3_db_config(c, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
    sqlite3_db_config(c, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
    sqlite3_db_config(c, SQLITE_DBCONFIG_ENABLE_VIEW, 0, NULL);
    /* one sequential pass: a small page cache (64 pages) is as fast */
    sqlite3_exec(c, "PRAGMA query_only=1; PRAGMA cell_size_check=1; PRAGMA mmap_size=0; "
                 "PRAGMA cache_size=64", NULL, NULL, NULL);
    /* the same file as the main connection's, as far as a reader can tell */
    int ok1, ok2, ok3, ok4;
    if (query_int(c, "PRAGMA page_count", &ok1) != query_int(main, "PRAGMA page_count", &ok2) ||
        query_int(c, "PRAGMA schema_version", &ok3) !=
            query_int(main, "PRAGMA schema_version", &ok4) ||
        !ok1 || !ok2 || !ok3 || !ok4) {
        sqlite3_close(c);
        return NULL;
    }
    return c;
}

/* The links, by two readers when there is a second connection: the lower
 * half of the rowids here, the upper half on another thread. */
static int read_links(build *b, const tmd_db_test *tests, size_t ntests, sqlite3 *other,
                      int64_t lo, int64_t hi)
{
    test_map tm = {NULL, 0, 0, tests, ntests};
    if (ntests >= UINT32_MAX)
        return fail("too many tests for the index");
    if (ntests) {
        int64_t lo_id = tests[0].id, hi_id = tests[ntests - 1].id;
        if (hi_id - lo_id >= 0 && (uint64_t)(hi_id - lo_id) < 4 * (uint64_t)ntests + 1024) {
            tm.min = lo_id;
            tm.n = (size_t)(hi_id - lo_id) + 1;
            if (!(tm.at = malloc(tm.n * sizeof *tm.at)))
                return oom();
            memset(tm.at, 0xff, tm.n * sizeof *tm.at);
            for (size_t i = 0; i < ntests; i++)
                tm.at[tests[i].id - lo_id] = (uint32_t)i;
        }
    }
    reader rd[2];
    memset(rd, 0, sizeof rd);
    for (int i = 0; i < 2; i++) {
        rd[i].b = b;
        rd[i].tm = &tm;
        rd[i].out = &b->parts[i];
    }
    rd[0].conn = tmd_db_sqlite(b->db);
    pthread_t tid;
    int helped = 0;
    if (other) {
        int64_t mid = lo + (hi - lo) / 2;
        rd[0].ranged = rd[1].ranged = 1;
        rd[0].lo = lo;
        rd[0].hi = mid;
        rd[1].lo = mid + 1;
        rd[1].hi = hi;
        rd[1].conn = other;
        helped = pthread_create(&tid, NULL, reader_thread, &rd[1]) == 0;
    }
    if (!helped) /* one reader over everything */
        rd[0].ranged = 0;
    int rc = read_links_range(&rd[0]);
    b->nparts = 1;
    if (helped) {
        pthread_join(tid, NULL);
        b->nparts = 2;
        if (rc == TMD_OK && rd[1].rc != TMD_OK)
            rc = tmd_error(rd[1].rc, "%s", rd[1].msg);
    }
    free(tm.at);
    /* the links of each fingerprint, for the counting sort */
    size_t total = 0;
    for (size_t p = 0; p < b->nparts && rc == TMD_OK; p++) {
        const link_part *part = &b->parts[p];
        total += part->n;
        for (size_t l = 0; l < part->n; l++)
            if (b->rows[part->fp[l]].nlinks++ == UINT32_MAX - 1) {
                rc = fail("too many links for the index");
                break;
            }
    }
    if (rc == TMD_OK && total >= UINT32_MAX)
        rc = fail("too many links for the index");
    return rc;
}

static const char *name_of(const build *b, uint32_t name) { return b->str + b->names[name].off; }

typedef struct named {
    const char *s;
    uint32_t name;
} named;

static int cmp_named(const void *x, const void *y)
{
    return strcmp(((const named *)x)->s, ((const named *)y)->s);
}

/* The kept rows (with links) by filename, then id, as tmd_db_fps_load
 * sorts: the distinct names are sorted, and the rows (in id order) placed by
 * their name's rank, which keeps id order within a name. */
static int order_kept(build *b, uint32_t **out, size_t *nkept, size_t *nfiles)
{
    uint32_t *rank = calloc(b->nnames ? b->nnames : 1, sizeof *rank); /* name -> rank + 1 */
    named *used = malloc((b->nnames ? b->nnames : 1) * sizeof *used);
    uint32_t *start = calloc(b->nnames + 1, sizeof *start);           /* by rank */
    uint32_t *kept = malloc((b->nrows ? b->nrows : 1) * sizeof *kept);
    if (!rank || !used || !start || !kept) {
        free(rank), free(used), free(start), free(kept);
        return oom();
    }
    size_t nused = 0, n = 0;
    for (size_t i = 0; i < b->nrows; i++)
        if (b->rows[i].nlinks && !rank[b->rows[i].name]) {
            rank[b->rows[i].name] = 1;
            used[nused].s = name_of(b, b->rows[i].name);
            used[nused++].name = b->rows[i].name;
        }
    qsort(used, nused, sizeof *used, cmp_named);
    for (size_t r = 0; r < nused; r++)
        rank[used[r].name] = (uint32_t)r + 1;
    /* start[r]: where the rows of rank r + 1 begin (counted, then summed) */
    for (size_t i = 0; i < b->nrows; i++)
        if (b->rows[i].nlinks)
            start[rank[b->rows[i].name]]++, n++;
    for (size_t r = 1; r <= nused; r++)
        start[r] += start[r - 1];
    for (size_t i = 0; i < b->nrows; i++)
        if (b->rows[i].nlinks)
            kept[start[rank[b->rows[i].name] - 1]++] = (uint32_t)i;
    free(rank);
    free(used);
    free(start);
    *out = kept;
    *nkept = n;
    *nfiles = nused;
    return TMD_OK;
}

/* Lays out the block from the kept rows (sorted). */
static int lay_out(unsigned char **out, size_t *size, build *b, const uint32_t *kept,
                   size_t nkept, size_t nfiles_kept, const tmd_db_test *tests, size_t ntests)
{
    depindex_head h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, DEPINDEX_MAGIC, 8);
    h.ntests = ntests;
    for (size_t i = 0; i < ntests; i++)
        h.nstr += strlen(tests[i].name) + 1;
    for (size_t p = 0; p < b->nparts; p++)
        h.nlinks += b->parts[p].n;
    h.nfps = nkept;
    h.nfiles = nfiles_kept;
    for (size_t i = 0; i < nkept; i++) {
        const fp_row *r = &b->rows[kept[i]];
        h.nsums += r->nsums;
        h.nstr += r->fsha != DEPINDEX_NONE ? r->fsha_len + 1 : 0;
        if (i == 0 || r->name != b->rows[kept[i - 1]].name)
            h.nstr += b->names[r->name].len + 1;
    }
    h.nstr += 1; /* never empty: the last byte is always a NUL */
    if (h.nsums >= UINT32_MAX || h.nstr >= UINT32_MAX || h.nfps >= UINT32_MAX)
        return fail("too large for the index");
    size_t total = depindex_block_size(&h);
    unsigned char *block = calloc(1, total);
    if (!block)
        return oom();
    depindex_test *dtests = (depindex_test *)(block + sizeof h);
    int64_t *links = (int64_t *)(dtests + h.ntests);
    int64_t *fpids = links + h.nlinks;
    depindex_file *files = (depindex_file *)(fpids + h.nfps);
    depindex_fp *fps = (depindex_fp *)(files + h.nfiles);
    uint32_t *byid = (uint32_t *)(fps + h.nfps);
    int32_t *sums = (int32_t *)(byid + h.nfps);
    char *str = (char *)(sums + h.nsums);

    uint32_t nfile = 0, nsum = 0, nstr = 0, link0 = 0;
    for (size_t i = 0; i < ntests; i++) {
        size_t n = strlen(tests[i].name) + 1;
        dtests[i].id = tests[i].id;
        dtests[i].duration = tests[i].duration;
        dtests[i].failed = tests[i].failed;
        dtests[i].name = nstr;
        memcpy(str + nstr, tests[i].name, n);
        nstr += (uint32_t)n;
    }
    for (size_t i = 0; i < nkept; i++) {
        fp_row *r = &b->rows[kept[i]];
        if (i == 0 || r->name != b->rows[kept[i - 1]].name) {
            depindex_file *f = &files[nfile++];
            f->name = nstr;
            f->fp0 = (uint32_t)i;
            size_t n = b->names[r->name].len + 1;
            memcpy(str + nstr, name_of(b, r->name), n);
            nstr += (uint32_t)n;
        }
        files[nfile - 1].nfps++;
        depindex_fp *fp = &fps[i];
        fpids[i] = r->id;
        fp->fsha = DEPINDEX_NONE;
        if (r->fsha != DEPINDEX_NONE) {
            memcpy(str + nstr, b->str + r->fsha, r->fsha_len + 1);
            fp->fsha = nstr;
            nstr += r->fsha_len + 1;
        }
        fp->sum0 = nsum;
        fp->nsums = r->nsums;
        if (r->nsums)
            memcpy(sums + nsum, b->sums + r->sum0, r->nsums * sizeof *sums);
        nsum += r->nsums;
        fp->link0 = link0;
        fp->nlinks = r->nlinks;
        r->link0 = link0; /* the scatter below fills [link0, link0 + nlinks) */
        link0 += r->nlinks;
        r->nlinks = 0;
        r->block_index = (uint32_t)i;
    }
    for (size_t p = 0; p < b->nparts; p++) {
        const link_part *part = &b->parts[p];
        for (size_t l = 0; l < part->n; l++) {
            fp_row *r = &b->rows[part->fp[l]];
            links[r->link0 + r->nlinks++] = tests[part->test[l]].id;
        }
    }
    /* b->rows is in id order, so its kept rows give byid directly */
    uint32_t k = 0;
    for (size_t i = 0; i < b->nrows; i++)
        if (b->rows[i].nlinks)
            byid[k++] = b->rows[i].block_index;
    memcpy(block, &h, sizeof h);
    *out = block;
    *size = total;
    return TMD_OK;
}

/* The file_fp rows, read by a helper thread on its own connection while
 * the caller reads the tests. */
typedef struct fp_reader {
    build *b;
    sqlite3 *conn;
    int rc;
    char msg[300];
} fp_reader;

static void *fp_thread(void *arg)
{
    fp_reader *fr = arg;
    fr->rc = read_fingerprints(fr->b, fr->conn);
    if (fr->rc != TMD_OK)
        snprintf(fr->msg, sizeof fr->msg, "%s", tmd_error_message());
    return NULL;
}

int depindex_build(unsigned char **block, size_t *size, tmd_db *db, int64_t env_id)
{
    *block = NULL;
    *size = 0;
    build b;
    memset(&b, 0, sizeof b);
    b.db = db;
    sqlite3 *main = tmd_db_sqlite(db), *other = NULL;
    /* a second reader only where there are many links and another core */
    int ok_lo, ok_hi;
    int64_t lo = query_int(main, "SELECT min(rowid) FROM test_execution_file_fp", &ok_lo);
    int64_t hi = query_int(main, "SELECT max(rowid) FROM test_execution_file_fp", &ok_hi);
    if (ok_lo && ok_hi && lo >= 0 && hi - lo >= MIN_SPLIT_LINKS && sysconf(_SC_NPROCESSORS_ONLN) > 1)
        other = second_connection(main);
    fp_reader fr = {&b, other, TMD_OK, ""};
    pthread_t tid;
    int helped = other && pthread_create(&tid, NULL, fp_thread, &fr) == 0;
    tmd_db_test *tests = NULL;
    size_t ntests = 0;
    int rc = tmd_db_tests_load(&tests, &ntests, db, env_id);
    if (helped) {
        pthread_join(tid, NULL);
        if (rc == TMD_OK && fr.rc != TMD_OK)
            rc = tmd_error(fr.rc, "%s", fr.msg);
    } else if (rc == TMD_OK) {
        rc = read_fingerprints(&b, main);
    }
    uint32_t *kept = NULL;
    size_t nkept = 0, nfiles = 0;
    if (rc == TMD_OK)
        rc = read_links(&b, tests, ntests, other, lo, hi);
    if (rc == TMD_OK)
        rc = order_kept(&b, &kept, &nkept, &nfiles);
    if (rc == TMD_OK)
        rc = lay_out(block, size, &b, kept, nkept, nfiles, tests, ntests);
    sqlite3_close(other);
    free(kept);
    free(b.rows);
    free(b.str);
    free(b.sums);
    free(b.names);
    free(b.slots);
    free(b.by_id);
    for (size_t p = 0; p < 2; p++)
        free(b.parts[p].fp), free(b.parts[p].test);
    tmd_db_tests_free(tests, ntests);
    return rc;
}
