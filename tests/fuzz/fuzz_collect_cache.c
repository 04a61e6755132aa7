/* fuzz_collect_cache.c: the collection cache reader (engine/collect_cache.c)
 * on the input written as <tmp>/<key>.col, where the key is the one the
 * input's head names (bytes 8..23; zeros for a shorter input), so the
 * reader's key check passes and the rest of the file is what is tested.
 *
 * Each input is loaded twice: as it is, then with the hash of its body
 * (bytes 24..31) set right, so the fuzzer gets past the hash.
 *
 * Invariants: a collection is loaded only when the stored hash matches the
 * body; then it lives in one block (arena) and every string it holds
 * (node IDs, files, expected IDs, and the static why/inexact) is
 * NUL-terminated, the in-place ones inside the file's bytes in that block;
 * items are sorted by node ID, files sorted, kinds known, an expect list
 * only on its own bytes; every item's node ID is found by
 * tmd_collection_lookup. The writer, given the loaded collection, writes
 * the very bytes it was read from (unknown flag bits of the head aside). */
#include "fuzz_seeds.h"
#include "collect_cache.h"

#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#define HEAD_SIZE 48

static char dir[PATH_MAX];

static void key_path(char *path, size_t n, const collect_key *key)
{
    char hex[40];
    for (int i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", key->bytes[i]);
    snprintf(path, n, "%s/%s.col", dir, hex);
}

static void remove_dir(void)
{
    collect_key k;
    memset(&k, 0, sizeof k);
    char path[PATH_MAX + 64];
    key_path(path, sizeof path, &k); /* the only name left behind is the input's */
    unlink(path);
    rmdir(dir);
}

static void make_dir(void)
{
    fuzz_temp_dir(dir, sizeof dir, "col");
    atexit(remove_dir);
}

/* The file at `path` (malloc()ed, *n bytes), or NULL. */
static uint8_t *read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc(len > 0 ? (size_t)len : 1);
    FUZZ_CHECK(p != NULL && fread(p, 1, (size_t)len, f) == (size_t)len, "cannot read %s", path);
    fclose(f);
    *n = (size_t)len;
    return p;
}

/* s is a string inside [lo, hi): starts there and its NUL is there too. */
static int inside(const char *s, const uint8_t *lo, const uint8_t *hi)
{
    const uint8_t *p = (const uint8_t *)s;
    return p >= lo && p < hi && memchr(p, 0, (size_t)(hi - p)) != NULL;
}

static void check_loaded(const tmd_collection *c, const uint8_t *d, size_t size)
{
    uint64_t want;
    memcpy(&want, d + 24, 8);
    FUZZ_CHECK(XXH3_64bits(d + 32, size - 32) == want, "loaded with a wrong hash");
    FUZZ_CHECK(c->arena != NULL, "a loaded collection outside one block");
    size_t nexpect = 0;
    for (size_t i = 0; i < c->count; i++)
        nexpect += c->items[i].expect ? c->items[i].nexpect : 0;
    /* the block: items, file and expect pointers, then the file's bytes */
    const uint8_t *lo = (const uint8_t *)c->arena + c->count * sizeof(tmd_collected) +
                        (c->nfiles + nexpect) * sizeof(char *);
    const uint8_t *hi = lo + size;
    FUZZ_CHECK(!memcmp(lo, d, size), "the block does not hold the file's bytes");
    lo += HEAD_SIZE;
    FUZZ_CHECK(!c->inexact || strlen(c->inexact) < size, "inexact");
    for (size_t i = 0; i < c->count; i++) {
        const tmd_collected *it = &c->items[i];
        FUZZ_CHECK(it->nodeid && inside(it->nodeid, lo, hi), "item %zu's node ID", i);
        FUZZ_CHECK(it->kind == TMD_COLLECT_EXACT || it->kind == TMD_COLLECT_PREFIX,
                   "item %zu of kind %d", i, (int)it->kind);
        FUZZ_CHECK(!it->why || strlen(it->why) < size, "item %zu's why", i);
        FUZZ_CHECK(i == 0 || strcmp(c->items[i - 1].nodeid, it->nodeid) <= 0,
                   "items not sorted at %zu", i);
        FUZZ_CHECK(it->expect || !it->nexpect, "item %zu: %zu expected IDs at NULL", i,
                   it->nexpect);
        for (size_t k = 0; it->expect && k < it->nexpect; k++)
            FUZZ_CHECK(it->expect[k] && inside(it->expect[k], lo, hi),
                       "item %zu's expected ID %zu", i, k);
        FUZZ_CHECK(tmd_collection_lookup(c, it->nodeid) != TMD_COLLECTED_NO,
                   "item %zu ('%s') not found by lookup", i, it->nodeid);
    }
    for (size_t i = 0; i < c->nfiles; i++) {
        FUZZ_CHECK(c->files[i] && inside(c->files[i], lo, hi), "file %zu", i);
        FUZZ_CHECK(i == 0 || strcmp(c->files[i - 1], c->files[i]) <= 0,
                   "files not sorted at %zu", i);
    }
}

static void check_one(const uint8_t *d, size_t size)
{
    collect_key key;
    memset(&key, 0, sizeof key);
    if (size >= 24)
        memcpy(key.bytes, d + 8, 16);
    char path[PATH_MAX + 64];
    key_path(path, sizeof path, &key);
    fuzz_write_file(path, d, size);

    tmd_collection c;
    int rc = collect_cache_load(&c, dir, &key);
    if (rc != 0) {
        FUZZ_CHECK(!c.arena && !c.items && !c.count && !c.files && !c.nfiles,
                   "a refused file left a collection behind");
        unlink(path);
        return;
    }
    check_loaded(&c, d, size);

    /* the writer writes back what was read (known flags only, hash recomputed) */
    unlink(path);
    collect_cache_save(&c, dir, &key);
    size_t n = 0;
    uint8_t *again = read_file(path, &n);
    FUZZ_CHECK(again != NULL, "the writer did not write the collection back");
    uint8_t *want = malloc(size);
    FUZZ_CHECK(want != NULL, "out of memory");
    memcpy(want, d, size);
    uint32_t flags;
    memcpy(&flags, d + 44, 4);
    flags &= 1; /* doctest_modules */
    memcpy(want + 44, &flags, 4);
    uint64_t h = XXH3_64bits(want + 32, size - 32);
    memcpy(want + 24, &h, 8);
    FUZZ_CHECK(n == size && !memcmp(again, want, size),
               "written back as %zu other bytes (read %zu)", n, size);
    free(want);
    free(again);
    unlink(path);
    tmd_collection_free(&c);
}

/* as it is, then with the hash of its body (bytes 24..31) set right */
static void check_input(const uint8_t *data, size_t size)
{
    fuzz_check_with_hash_fixed(check_one, data, size, 24, 32);
}

/* Valid files from the real writer: an empty collection, and one with
 * exact and prefix items, expected IDs, files and an inexact note. */
static void writer_seeds(void)
{
    static char *expect[] = {"tests/test_a.py::test_p[obj0]", "tests/test_a.py::test_p[obj1]"};
    static char *files[] = {"tests/test_a.py", "tests/test_b.py"};
    tmd_collected items[] = {
        {"tests/test_a.py::TestX::test_m", TMD_COLLECT_EXACT, NULL, NULL, 0},
        {"tests/test_a.py::test_p", TMD_COLLECT_PREFIX, "parametrize", expect, 2},
        {"tests/test_a.py::test_q", TMD_COLLECT_PREFIX, "fixture params", NULL, 0},
        {"tests/test_b.py::test_\xc3\xa9", TMD_COLLECT_EXACT, NULL, NULL, 0},
    };
    tmd_collection full = {4, items, 2, files, "addopts: --pyargs / --rootdir", 1, NULL};
    tmd_collection empty = {0, NULL, 0, NULL, NULL, 0, NULL};
    const tmd_collection *all[] = {&empty, &full};
    for (size_t s = 0; s < 2; s++) {
        collect_key key;
        for (int i = 0; i < 16; i++)
            key.bytes[i] = (unsigned char)(0x40 + s * 16 + (size_t)i);
        char path[PATH_MAX + 64];
        key_path(path, sizeof path, &key);
        collect_cache_save(all[s], dir, &key);
        size_t n = 0;
        uint8_t *bytes = read_file(path, &n);
        FUZZ_CHECK(bytes != NULL, "the writer wrote no %s", path);
        unlink(path);
        tmd_collection c;
        fuzz_write_file(path, bytes, n);
        FUZZ_CHECK(collect_cache_load(&c, dir, &key) == 0, "the writer's file is refused");
        FUZZ_CHECK(c.count == all[s]->count && c.nfiles == all[s]->nfiles, "counts changed");
        for (size_t i = 0; i < c.count; i++)
            FUZZ_CHECK(!strcmp(c.items[i].nodeid, items[i].nodeid) &&
                           c.items[i].nexpect == items[i].nexpect &&
                           !c.items[i].why == !items[i].why,
                       "item %zu changed", i);
        tmd_collection_free(&c);
        unlink(path);
        fuzz_seed_variants(check_input, bytes, n);
        free(bytes);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        make_dir();
        writer_seeds();
    }
    check_input(data, size);
    return 0;
}
