/* depindex_build.c: one pass over file_fp and one over the environment's
 * links, laid out as a depindex block (depindex.h). The links are grouped by
 * fingerprint with a counting sort (two passes, no comparison sort of the
 * millions of links). */
#include "depindex.h"
#include "error.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

/* Same bound as db.c: larger is not something testmon writes. */
#define MAX_SUMS_BLOB (16u << 20)

typedef struct fp_row {
    int64_t id;
    char *filename;
    char *fsha;      /* NULL: NULL in the database */
    int32_t *sums;
    uint32_t nsums;
    uint32_t nlinks; /* this environment's links */
    uint32_t link0;
    uint32_t block_index; /* its position in the block's fps */
} fp_row;

typedef struct build {
    tmd_db *db;
    fp_row *rows;
    size_t nrows;
    uint32_t *by_id;    /* rows index of id min_id + i, when ids are dense */
    int64_t min_id;
    size_t nby_id;
    uint32_t *link_fp;  /* per link: index into rows */
    int64_t *link_test; /* per link: test id */
    size_t nlinks;
} build;

static int fail(const char *why) { return tmd_error(TMD_EFORMAT, "depindex: %s", why); }
static int oom(void) { return tmd_error(TMD_ENOMEM, "depindex: out of memory"); }

static char *text_copy(sqlite3_stmt *st, int col, int *bad)
{
    int type = sqlite3_column_type(st, col);
    if (type == SQLITE_NULL)
        return NULL;
    const unsigned char *s = type == SQLITE_TEXT ? sqlite3_column_text(st, col) : NULL;
    size_t n = (size_t)sqlite3_column_bytes(st, col);
    char *copy = s && !memchr(s, 0, n) ? malloc(n + 1) : NULL;
    if (!copy) {
        *bad = 1;
        return NULL;
    }
    memcpy(copy, s, n);
    copy[n] = '\0';
    return copy;
}

static int cmp_row_id(const void *a, const void *b)
{
    int64_t x = ((const fp_row *)a)->id, y = ((const fp_row *)b)->id;
    return (x > y) - (x < y);
}

/* Every file_fp row (the table is small next to the links). */
static int read_fingerprints(build *b)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(tmd_db_sqlite(b->db),
                           "SELECT id, filename, fsha, method_checksums FROM file_fp", -1, &st,
                           NULL) != SQLITE_OK)
        return fail("cannot read file_fp");
    size_t cap = 0;
    int rc = TMD_OK, step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (b->nrows == cap) {
            size_t ncap = cap ? cap * 2 : 1024;
            fp_row *grown = realloc(b->rows, ncap * sizeof *grown);
            if (!grown) {
                rc = oom();
                break;
            }
            b->rows = grown;
            cap = ncap;
        }
        fp_row *r = &b->rows[b->nrows++];
        memset(r, 0, sizeof *r);
        int bad = 0;
        r->id = sqlite3_column_int64(st, 0);
        r->filename = text_copy(st, 1, &bad);
        r->fsha = text_copy(st, 2, &bad);
        int btype = sqlite3_column_type(st, 3);
        const unsigned char *blob = sqlite3_column_blob(st, 3);
        size_t len = (size_t)sqlite3_column_bytes(st, 3);
        if (bad || !r->filename || sqlite3_column_type(st, 0) != SQLITE_INTEGER ||
            (btype != SQLITE_BLOB && btype != SQLITE_NULL) || len % 4 || len > MAX_SUMS_BLOB) {
            rc = fail("a file_fp row is not what pytest-testmon writes");
            break;
        }
        r->nsums = (uint32_t)(len / 4);
        if (r->nsums && !(r->sums = malloc(len))) {
            rc = oom();
            break;
        }
        /* Packed little-endian, as db.c reads them. */
        for (uint32_t i = 0; i < r->nsums; i++)
            r->sums[i] = (int32_t)((uint32_t)blob[4 * i] | (uint32_t)blob[4 * i + 1] << 8 |
                                   (uint32_t)blob[4 * i + 2] << 16 |
                                   (uint32_t)blob[4 * i + 3] << 24);
    }
    if (rc == TMD_OK && step != SQLITE_DONE)
        rc = fail("cannot read file_fp");
    sqlite3_finalize(st);
    if (rc != TMD_OK)
        return rc;
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

/* The environment's tests as a set: a bitmap over their ids when those are
 * small (testmon's count up from 1), else a binary search of the sorted list. */
typedef struct test_set {
    uint64_t *bits;
    int64_t nbits;
    const tmd_db_test *tests;
    size_t ntests;
} test_set;

#define MAX_BITMAP_IDS ((int64_t)1 << 27)

static int test_set_has(const test_set *s, int64_t id)
{
    if (s->bits)
        return id >= 0 && id < s->nbits && (s->bits[id >> 6] >> (id & 63) & 1);
    size_t lo = 0, hi = s->ntests;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->tests[mid].id == id)
            return 1;
        if (s->tests[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* Every link in rowid order (one sequential scan, as db.c reads them): those
 * of the environment's tests to an existing file_fp row are kept. */
static int read_links(build *b, const tmd_db_test *tests, size_t ntests)
{
    test_set ts = {NULL, 0, tests, ntests};
    int64_t max = ntests ? tests[ntests - 1].id : -1;
    if (max >= 0 && max < MAX_BITMAP_IDS && tests[0].id >= 0) {
        ts.nbits = max + 1;
        if (!(ts.bits = calloc((size_t)(ts.nbits + 63) / 64, sizeof *ts.bits)))
            return oom();
        for (size_t i = 0; i < ntests; i++)
            ts.bits[tests[i].id >> 6] |= (uint64_t)1 << (tests[i].id & 63);
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(tmd_db_sqlite(b->db), "SELECT test_execution_id, fingerprint_id "
                           "FROM test_execution_file_fp", -1, &st, NULL) != SQLITE_OK) {
        free(ts.bits);
        return fail("cannot read test_execution_file_fp");
    }
    size_t cap = 0;
    int rc = TMD_OK, step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_type(st, 0) != SQLITE_INTEGER ||
            sqlite3_column_type(st, 1) != SQLITE_INTEGER)
            continue; /* a dangling or malformed link names nothing */
        int64_t test = sqlite3_column_int64(st, 0);
        if (!test_set_has(&ts, test))
            continue;
        long row = find_row(b, sqlite3_column_int64(st, 1));
        if (row < 0)
            continue;
        if (b->nlinks == cap) {
            size_t ncap = cap ? cap * 2 : 4096;
            uint32_t *f = realloc(b->link_fp, ncap * sizeof *f);
            if (f)
                b->link_fp = f;
            int64_t *t = f ? realloc(b->link_test, ncap * sizeof *t) : NULL;
            if (!t) {
                rc = oom();
                break;
            }
            b->link_test = t;
            cap = ncap;
        }
        if (b->rows[row].nlinks == UINT32_MAX || b->nlinks >= UINT32_MAX) {
            rc = fail("too many links for the index");
            break;
        }
        b->link_fp[b->nlinks] = (uint32_t)row;
        b->link_test[b->nlinks] = test;
        b->nlinks++;
        b->rows[row].nlinks++;
    }
    if (rc == TMD_OK && step != SQLITE_DONE)
        rc = fail("cannot read test_execution_file_fp");
    sqlite3_finalize(st);
    free(ts.bits);
    return rc;
}

/* Kept rows (with links) by filename, then id, as tmd_db_fps_load sorts. */
static int cmp_row_name(const void *a, const void *b)
{
    const fp_row *x = *(const fp_row *const *)a, *y = *(const fp_row *const *)b;
    int c = strcmp(x->filename, y->filename);
    return c ? c : (x->id > y->id) - (x->id < y->id);
}

/* Lays out the block from the kept rows (sorted). */
static int lay_out(unsigned char **out, size_t *size, build *b, fp_row **kept, size_t nkept,
                   const tmd_db_test *tests, size_t ntests)
{
    depindex_head h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, DEPINDEX_MAGIC, 8);
    h.ntests = ntests;
    for (size_t i = 0; i < ntests; i++)
        h.nstr += strlen(tests[i].name) + 1;
    h.nlinks = b->nlinks;
    h.nfps = nkept;
    for (size_t i = 0; i < nkept; i++) {
        fp_row *r = kept[i];
        h.nsums += r->nsums;
        h.nstr += r->fsha ? strlen(r->fsha) + 1 : 0;
        if (i == 0 || strcmp(r->filename, kept[i - 1]->filename)) {
            h.nfiles++;
            h.nstr += strlen(r->filename) + 1;
        }
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
        fp_row *r = kept[i];
        if (i == 0 || strcmp(r->filename, kept[i - 1]->filename)) {
            depindex_file *f = &files[nfile++];
            f->name = nstr;
            f->fp0 = (uint32_t)i;
            size_t n = strlen(r->filename) + 1;
            memcpy(str + nstr, r->filename, n);
            nstr += (uint32_t)n;
        }
        files[nfile - 1].nfps++;
        depindex_fp *fp = &fps[i];
        fpids[i] = r->id;
        fp->fsha = DEPINDEX_NONE;
        if (r->fsha) {
            size_t n = strlen(r->fsha) + 1;
            memcpy(str + nstr, r->fsha, n);
            fp->fsha = nstr;
            nstr += (uint32_t)n;
        }
        fp->sum0 = nsum;
        fp->nsums = r->nsums;
        if (r->nsums)
            memcpy(sums + nsum, r->sums, r->nsums * sizeof *sums);
        nsum += r->nsums;
        fp->link0 = link0;
        fp->nlinks = r->nlinks;
        r->link0 = link0; /* the scatter below fills [link0, link0 + nlinks) */
        link0 += r->nlinks;
        r->nlinks = 0;
        r->block_index = (uint32_t)i;
    }
    for (size_t l = 0; l < b->nlinks; l++) {
        fp_row *r = &b->rows[b->link_fp[l]];
        links[r->link0 + r->nlinks++] = b->link_test[l];
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

int depindex_build(unsigned char **block, size_t *size, tmd_db *db, int64_t env_id)
{
    tmd_db_test *tests = NULL;
    size_t ntests = 0;
    int trc = tmd_db_tests_load(&tests, &ntests, db, env_id);
    if (trc != TMD_OK)
        return trc;
    *block = NULL;
    *size = 0;
    build b;
    memset(&b, 0, sizeof b);
    b.db = db;
    fp_row **kept = NULL;
    int rc = read_fingerprints(&b);
    if (rc == TMD_OK)
        rc = read_links(&b, tests, ntests);
    if (rc == TMD_OK && !(kept = malloc((b.nrows ? b.nrows : 1) * sizeof *kept)))
        rc = oom();
    if (rc == TMD_OK) {
        size_t nkept = 0;
        for (size_t i = 0; i < b.nrows; i++)
            if (b.rows[i].nlinks)
                kept[nkept++] = &b.rows[i];
        qsort(kept, nkept, sizeof *kept, cmp_row_name);
        rc = lay_out(block, size, &b, kept, nkept, tests, ntests);
    }
    free(kept);
    for (size_t i = 0; i < b.nrows; i++)
        free(b.rows[i].filename), free(b.rows[i].fsha), free(b.rows[i].sums);
    free(b.rows);
    free(b.by_id);
    free(b.link_fp);
    free(b.link_test);
    tmd_db_tests_free(tests, ntests);
    return rc;
}
