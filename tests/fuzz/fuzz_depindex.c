/* fuzz_depindex.c: the dependency index reader (engine/depindex.c) on the
 * input written where tmd_depindex_open looks for the index of a real
 * database (a copy of the conformance kit's taskq base, in a temp folder).
 *
 * The input's identity field (the database's identity, which names the
 * file and is compared in full) is set to the real one, so what is tested
 * is the rest of the file. Each input is opened twice: as it is, then with
 * its per-fingerprint link hashes and its body hash set right wherever the
 * head's counts allow (so the fuzzer gets past the hashes to the structure
 * checks).
 *
 * Invariants: the open never fails (a damaged index is rebuilt from the
 * database). An index that opens hands out tests sorted by strictly
 * increasing id, names and fingerprint strings that lie NUL-terminated in
 * its own memory, fingerprints sorted by (filename, id), and for every
 * link an index into the ids asked for and checksums inside its memory; or
 * its link check refuses. For the input as it is (hashes untouched), what a
 * cached index answers (tests, fingerprints, links) is exactly what the
 * database answers, or its link check refuses. */
#include "fuzz_seeds.h"
#include "depindex.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#define KIT_DB "/conformance/projects/taskq/base.testmondata"

static char dir[PATH_MAX], db_path[PATH_MAX + 64], cache_dir[PATH_MAX + 64],
    idx_dir[PATH_MAX + 80], idx_path[PATH_MAX + 128];
static tmd_db *db;
static int64_t env_id;
static depindex_ident ident;
static uint64_t reference; /* the database's answers, hashed */

static void cleanup(void)
{
    if (db)
        tmd_db_close(db);
    char sub[sizeof idx_dir + 260];
    DIR *d = opendir(idx_dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(sub, sizeof sub, "%s/%s", idx_dir, e->d_name);
        unlink(sub);
    }
    if (d)
        closedir(d);
    rmdir(idx_dir);
    rmdir(cache_dir);
    unlink(db_path);
    rmdir(dir);
}

/* ---- answers -------------------------------------------------------------- */

typedef struct walk {
    const tmd_depindex *ix;
    size_t nids, links;
    uint64_t sum; /* of the links' hashes: the database gives them in another order */
} walk;

static void add(XXH3_state_t *st, const void *p, size_t n) { XXH3_64bits_update(st, p, n); }

static int on_link(void *ctx, int64_t test_id, size_t which, const int32_t *sums, size_t count)
{
    walk *w = ctx;
    FUZZ_CHECK(which < w->nids, "link to fingerprint index %zu of %zu", which, w->nids);
    if (w->ix && count) {
        FUZZ_CHECK(tmd_depindex_holds(w->ix, sums) &&
                       tmd_depindex_holds(w->ix, (const char *)(sums + count) - 1),
                   "%zu checksums outside the index", count);
    }
    uint64_t seed = XXH3_64bits(&test_id, sizeof test_id) ^ which;
    w->sum += XXH3_64bits_withSeed(sums, count * sizeof *sums, seed) + count;
    w->links++;
    return 0;
}

static void check_string(const tmd_depindex *ix, const char *s, const char *what, size_t i)
{
    FUZZ_CHECK(s && tmd_depindex_holds(ix, s), "%s %zu outside the index", what, i);
    /* walks to the NUL one byte at a time: ASan and holds() see every one */
    const char *p = s;
    while (*p)
        FUZZ_CHECK(tmd_depindex_holds(ix, ++p), "%s %zu runs out of the index", what, i);
}

/* The answers (tests, fingerprints, links of every fingerprint) hashed, or
 * 0 when the link check refused. ix NULL: the database's. */
static uint64_t answers(const tmd_depindex *ix)
{
    tmd_db_test *tests = NULL;
    tmd_db_fp *fps = NULL;
    size_t ntests = 0, nfps = 0;
    if (ix) {
        FUZZ_CHECK(tmd_depindex_tests_view(ix, &tests, &ntests) == TMD_OK, "tests");
        FUZZ_CHECK(tmd_depindex_fps(ix, &fps, &nfps) == TMD_OK, "fps");
    } else {
        FUZZ_CHECK(tmd_db_tests_load(&tests, &ntests, db, env_id) == TMD_OK, "db tests");
        FUZZ_CHECK(tmd_db_fps_load(&fps, &nfps, db, tests, ntests) == TMD_OK, "db fps");
    }
    XXH3_state_t *st = XXH3_createState();
    FUZZ_CHECK(st != NULL, "out of memory");
    XXH3_64bits_reset(st);
    add(st, &ntests, sizeof ntests);
    for (size_t i = 0; i < ntests; i++) {
        if (ix)
            check_string(ix, tests[i].name, "test name", i);
        FUZZ_CHECK(i == 0 || tests[i - 1].id < tests[i].id, "tests not sorted at %zu", i);
        add(st, &tests[i].id, sizeof tests[i].id);
        add(st, tests[i].name, strlen(tests[i].name) + 1);
        add(st, &tests[i].duration, sizeof tests[i].duration);
        add(st, &tests[i].failed, sizeof tests[i].failed);
    }
    int64_t *ids = malloc((nfps ? nfps : 1) * sizeof *ids);
    FUZZ_CHECK(ids != NULL, "out of memory");
    add(st, &nfps, sizeof nfps);
    for (size_t i = 0; i < nfps; i++) {
        if (ix) {
            check_string(ix, fps[i].filename, "filename", i);
            if (fps[i].fsha)
                check_string(ix, fps[i].fsha, "fsha", i);
        }
        if (i) {
            int c = strcmp(fps[i - 1].filename, fps[i].filename);
            FUZZ_CHECK(c < 0 || (c == 0 && fps[i - 1].id < fps[i].id),
                       "fingerprints not sorted at %zu", i);
        }
        add(st, &fps[i].id, sizeof fps[i].id);
        add(st, fps[i].filename, strlen(fps[i].filename) + 1);
        add(st, fps[i].fsha ? fps[i].fsha : "\1", strlen(fps[i].fsha ? fps[i].fsha : "\1") + 1);
        ids[i] = fps[i].id;
    }
    /* the links of every fingerprint (ids ascending), and of ids no index
     * holds (-1, and past the last) which must give none */
    size_t nids = 0;
    int64_t *asked = malloc((nfps + 2) * sizeof *asked);
    FUZZ_CHECK(asked != NULL, "out of memory");
    asked[nids++] = -1;
    for (size_t i = 0; i < nfps; i++)
        asked[nids++] = ids[i];
    for (size_t i = 2; i < nids; i++) { /* insertion sort: ids come by filename */
        int64_t v = asked[i];
        size_t k = i;
        while (k > 1 && asked[k - 1] > v) {
            asked[k] = asked[k - 1];
            k--;
        }
        asked[k] = v;
    }
    asked[nids] = nids > 1 ? asked[nids - 1] + 1 : 0;
    nids++;
    walk w = {ix, nids, 0, 0};
    int rc = ix ? tmd_depindex_links_each(ix, asked, nids, on_link, &w)
                : tmd_db_links_each(db, tests, ntests, asked, nids, on_link, &w);
    FUZZ_CHECK(rc == TMD_OK || (ix && rc == TMD_EFORMAT), "links walk failed with %d", rc);
    if (rc == TMD_OK && ix)
        FUZZ_CHECK(tmd_depindex_links_check(ix, asked, nids) == TMD_OK, "check after walk");
    add(st, &w.links, sizeof w.links);
    add(st, &w.sum, sizeof w.sum);
    uint64_t h = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    free(asked);
    free(ids);
    if (ix) { /* the strings are the index's own */
        free(fps);
        free(tests);
    } else {
        tmd_db_fps_free(fps, nfps);
        tmd_db_tests_free(tests, ntests);
    }
    return rc == TMD_OK ? (h ? h : 1) : 0;
}

/* ---- the input ------------------------------------------------------------ */

static void write_file(const uint8_t *data, size_t size)
{
    unlink(idx_path);
    int fd = open(idx_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FUZZ_CHECK(fd >= 0, "cannot create %s", idx_path);
    FUZZ_CHECK(size == 0 || write(fd, data, size) == (ssize_t)size, "cannot write %s", idx_path);
    FUZZ_CHECK(close(fd) == 0, "cannot write %s", idx_path);
}

static void check_one(const uint8_t *d, size_t size, int hashes_fixed)
{
    write_file(d, size);
    tmd_depindex *ix = NULL;
    int rc = tmd_depindex_open(&ix, db, db_path, env_id, cache_dir, 1);
    FUZZ_CHECK(rc == TMD_OK && ix, "open failed with %d: %s", rc, tmd_error_message());
    uint64_t got = answers(ix);
    if (!tmd_depindex_was_cached(ix) || !hashes_fixed)
        FUZZ_CHECK(got == 0 ? tmd_depindex_was_cached(ix) : got == reference,
                   "the index answers otherwise than the database (cached %d)",
                   tmd_depindex_was_cached(ix));
    tmd_depindex_close(ix);
}

/* Sets the link hashes and the body hash of block d (size bytes) right,
 * wherever its head's counts and ranges allow. */
static void fix_hashes(uint8_t *d, size_t size)
{
    depindex_head h;
    if (size < sizeof h)
        return;
    memcpy(&h, d, sizeof h);
    if (h.ntests > size || h.nlinks > size || h.nfiles > size || h.nfps > size ||
        h.nsums > size || h.nstr > size || depindex_block_size(&h) != size)
        return;
    size_t links = sizeof h + h.ntests * sizeof(depindex_test);
    size_t links_end = links + h.nlinks * sizeof(int64_t);
    size_t fps = links_end + h.nfps * sizeof(int64_t) + h.nfiles * sizeof(depindex_file);
    size_t sums = fps + h.nfps * sizeof(depindex_fp) + h.nfps * sizeof(uint32_t);
    size_t sums_end = sums + h.nsums * sizeof(int32_t);
    size_t linkhash = size - h.nfps * sizeof(uint64_t);
    for (size_t i = 0; i < h.nfps; i++) {
        depindex_fp f;
        memcpy(&f, d + fps + i * sizeof f, sizeof f);
        if ((uint64_t)f.link0 + f.nlinks > h.nlinks || (uint64_t)f.sum0 + f.nsums > h.nsums)
            continue;
        uint64_t seed = XXH3_64bits(d + links + (size_t)f.link0 * 8, (size_t)f.nlinks * 8);
        uint64_t v =
            XXH3_64bits_withSeed(d + sums + (size_t)f.sum0 * 4, (size_t)f.nsums * 4, seed);
        memcpy(d + linkhash + i * 8, &v, 8);
    }
    XXH3_state_t *st = XXH3_createState();
    FUZZ_CHECK(st != NULL, "out of memory");
    XXH3_64bits_reset(st);
    XXH3_64bits_update(st, d + sizeof h, links - sizeof h);
    XXH3_64bits_update(st, d + links_end, sums - links_end);
    XXH3_64bits_update(st, d + sums_end, size - sums_end);
    h.body_hash = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    memcpy(d + offsetof(depindex_head, body_hash), &h.body_hash, sizeof h.body_hash);
}

static void check_input(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    FUZZ_CHECK(copy != NULL, "out of memory");
    memcpy(copy, data, size);
    if (size >= offsetof(depindex_head, ident) + sizeof ident)
        memcpy(copy + offsetof(depindex_head, ident), &ident, sizeof ident);
    check_one(copy, size, 0);
    if (size >= sizeof(depindex_head)) {
        fix_hashes(copy, size);
        check_one(copy, size, 1);
    }
    free(copy);
}

/* ---- setup ---------------------------------------------------------------- */

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    FUZZ_CHECK(in && out, "cannot copy %s to %s", from, to);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        FUZZ_CHECK(fwrite(buf, 1, n, out) == n, "cannot write %s", to);
    fclose(in);
    FUZZ_CHECK(fclose(out) == 0, "cannot write %s", to);
}

/* The index file the real writer saved (its only .idx), read into *n bytes. */
static uint8_t *saved_index(size_t *n)
{
    DIR *d = opendir(idx_dir);
    FUZZ_CHECK(d != NULL, "no %s", idx_dir);
    struct dirent *e;
    idx_path[0] = '\0';
    while ((e = readdir(d)))
        if (strlen(e->d_name) > 4 && !strcmp(e->d_name + strlen(e->d_name) - 4, ".idx"))
            FUZZ_CHECK(snprintf(idx_path, sizeof idx_path, "%s/%s", idx_dir, e->d_name) <
                           (int)sizeof idx_path, "index path too long in %s", idx_dir);
    closedir(d);
    FUZZ_CHECK(idx_path[0], "the writer saved no index in %s", idx_dir);
    FILE *f = fopen(idx_path, "rb");
    FUZZ_CHECK(f != NULL, "cannot open %s", idx_path);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc((size_t)len);
    FUZZ_CHECK(p && fread(p, 1, (size_t)len, f) == (size_t)len, "cannot read %s", idx_path);
    fclose(f);
    *n = (size_t)len;
    return p;
}

static void setup(void)
{
    const char *shared = getenv("TMDIFF_SHARED_DIR");
    char kit[PATH_MAX];
    snprintf(kit, sizeof kit, "%s%s", shared && *shared ? shared : "/work/shared", KIT_DB);
    fuzz_temp_dir(dir, sizeof dir, "dix");
    snprintf(db_path, sizeof db_path, "%s/.testmondata", dir);
    snprintf(cache_dir, sizeof cache_dir, "%s/cache", dir);
    snprintf(idx_dir, sizeof idx_dir, "%s/depindex", cache_dir);
    atexit(cleanup);
    copy_file(kit, db_path);
    FUZZ_CHECK(tmd_db_open(&db, db_path) == TMD_OK, "%s: %s", db_path, tmd_error_message());
    tmd_db_env env;
    FUZZ_CHECK(tmd_db_env_find(&env, db, "default") == TMD_OK, "no default environment");
    env_id = env.id;
    reference = answers(NULL);

    /* the real writer's index, read back through the cache */
    tmd_depindex *ix = NULL;
    FUZZ_CHECK(tmd_depindex_open(&ix, db, db_path, env_id, cache_dir, 1) == TMD_OK,
               "build: %s", tmd_error_message());
    FUZZ_CHECK(!tmd_depindex_was_cached(ix) && answers(ix) == reference, "built index");
    tmd_depindex_close(ix);
    size_t n = 0;
    uint8_t *block = saved_index(&n);
    memcpy(&ident, block + offsetof(depindex_head, ident), sizeof ident);
    fuzz_seed_variants(check_input, block, n);
    free(block);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!db)
        setup();
    check_input(data, size);
    return 0;
}
