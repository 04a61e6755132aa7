/* fuzz_blobcache.c: the blob id cache reader (engine/blobcache.c) on the
 * input written as <tmp>/blobids.bin (mode 0600, as the writer leaves it).
 *
 * Each input is loaded twice: as it is, then with its checksum field set to
 * the right value (so the fuzzer gets past the checksum to the rest of the
 * checks). An input that is empty-or-valid is kept as its own seed.
 *
 * Invariants: a file the target judges valid by the format's rules (magic,
 * entry size, byte order mark, count and size agreeing, checksum, strictly
 * ascending keys) loads with exactly its entries: every key answers with its
 * own 20-byte id, and keys it does not hold answer nothing; its seed is
 * kept (blobcache_key agrees with XXH3-128 under that seed). Any other file
 * loads as an empty cache. Saving one new entry and reopening gives back
 * the old entries and the new one. */
#include "fuzz_common.h"
#include "fuzz_seeds.h"
#include "blobcache.h"

#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#define HEAD 40
#define ENTRY 40

static char dir[PATH_MAX], file[PATH_MAX + 32];

static void remove_dir(void)
{
    unlink(file);
    rmdir(dir);
}

static void make_dir(void)
{
    fuzz_temp_dir(dir, sizeof dir, "blob");
    snprintf(file, sizeof file, "%s/%s", dir, BLOBCACHE_FILE);
    atexit(remove_dir);
}

static void write_file(const uint8_t *data, size_t size)
{
    unlink(file);
    int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FUZZ_CHECK(fd >= 0, "cannot create %s", file);
    FUZZ_CHECK(fchmod(fd, 0600) == 0, "chmod %s", file);
    FUZZ_CHECK(size == 0 || write(fd, data, size) == (ssize_t)size, "cannot write %s", file);
    FUZZ_CHECK(close(fd) == 0, "cannot write %s", file);
}

static uint64_t rd64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static uint32_t rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* The format's checksum: XXH3-64 of the head with check = 0, then the entries. */
static uint64_t file_checksum(const uint8_t *d, size_t size)
{
    uint8_t h[HEAD];
    memcpy(h, d, HEAD);
    memset(h + 32, 0, 8);
    XXH3_state_t *st = XXH3_createState();
    FUZZ_CHECK(st != NULL, "out of memory");
    XXH3_64bits_reset(st);
    XXH3_64bits_update(st, h, HEAD);
    XXH3_64bits_update(st, d + HEAD, size - HEAD);
    uint64_t sum = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    return sum;
}

/* 1 when the file is one the reader must adopt, by the format's rules. */
static int valid(const uint8_t *d, size_t size)
{
    if (size < HEAD || (size - HEAD) % ENTRY || memcmp(d, "TMDBLOB1", 8) ||
        rd32(d + 8) != ENTRY || rd32(d + 12) != 0x01020304u)
        return 0;
    size_t n = (size - HEAD) / ENTRY;
    if (rd64(d + 16) != n || file_checksum(d, size) != rd64(d + 32))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (memcmp(d + HEAD + (i - 1) * ENTRY, d + HEAD + i * ENTRY, 16) >= 0)
            return 0;
    return 1;
}

/* A key no entry of the file holds (a near neighbour of entry i's when
 * there are entries: the lookup must not answer for it). */
static int absent_key(const uint8_t *d, size_t n, size_t i, uint8_t key[16])
{
    memcpy(key, d + HEAD + i * ENTRY, 16);
    key[15] ^= 1;
    for (size_t k = 0; k < n; k++)
        if (!memcmp(d + HEAD + k * ENTRY, key, 16))
            return 0;
    return 1;
}

static void check_one(const uint8_t *d, size_t size)
{
    write_file(d, size);
    int ok = valid(d, size);
    size_t n = ok ? (size - HEAD) / ENTRY : 0;

    blobcache *c = NULL;
    FUZZ_CHECK(blobcache_open(&c, dir) == 0 && c, "open failed");
    FUZZ_CHECK(blobcache_count(c) == n, "%zu entries loaded, the file holds %zu (valid %d)",
               blobcache_count(c), n, ok);
    uint8_t oid[20], key[16];
    for (size_t i = 0; i < n; i++) {
        const uint8_t *e = d + HEAD + i * ENTRY;
        FUZZ_CHECK(blobcache_lookup(c, e, oid) == 1, "entry %zu not found", i);
        FUZZ_CHECK(!memcmp(oid, e + 16, 20), "entry %zu answers another id", i);
        if (absent_key(d, n, i, key))
            FUZZ_CHECK(blobcache_lookup(c, key, oid) == 0, "a key near entry %zu answers", i);
    }
    if (!n) {
        memset(key, 0, sizeof key);
        FUZZ_CHECK(blobcache_lookup(c, key, oid) == 0, "an empty cache answers");
    }
    if (ok) { /* the stored seed is the one keys are made with */
        XXH128_canonical_t canon;
        XXH128_canonicalFromHash(&canon, XXH3_128bits_withSeed("x", 1, rd64(d + 24)));
        blobcache_key(c, "x", 1, key);
        FUZZ_CHECK(!memcmp(key, canon.digest, 16), "the file's seed is not used");
    }

    /* writer and reader agree: one new entry saved, all entries back */
    uint8_t nkey[16], noid[20];
    blobcache_key(c, d, size, nkey);
    for (int i = 0; i < 20; i++)
        noid[i] = (uint8_t)(nkey[i % 16] + i);
    int had = blobcache_lookup(c, nkey, oid);
    if (!had) {
        blobcache_pending p = {0};
        blobcache_pending_add(&p, nkey, noid);
        blobcache_merge(c, &p);
    }
    int saved = blobcache_save(c) == 0;
    blobcache_close(c);
    if (!saved)
        return;
    FUZZ_CHECK(blobcache_open(&c, dir) == 0 && c, "reopen failed");
    FUZZ_CHECK(blobcache_count(c) == n + !had, "%zu entries after saving %zu + %d",
               blobcache_count(c), n, !had);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *e = d + HEAD + i * ENTRY;
        FUZZ_CHECK(blobcache_lookup(c, e, oid) == 1 && !memcmp(oid, e + 16, 20),
                   "entry %zu lost by a save", i);
    }
    if (!had) {
        FUZZ_CHECK(blobcache_lookup(c, nkey, oid) == 1 && !memcmp(oid, noid, 20),
                   "the new entry lost by a save");
    }
    blobcache_close(c);
}

static void check_input(const uint8_t *data, size_t size);

/* Valid files from the real writer: 0, 1, 3 and 40 entries. */
static void writer_seeds(void)
{
    static const size_t sizes[] = {0, 1, 3, 40};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        unlink(file);
        blobcache *c = NULL;
        FUZZ_CHECK(blobcache_open(&c, dir) == 0 && c, "open failed");
        blobcache_pending p = {0};
        for (size_t i = 0; i < sizes[s]; i++) {
            uint8_t key[16], oid[20];
            blobcache_key(c, &i, sizeof i, key);
            for (int k = 0; k < 20; k++)
                oid[k] = (uint8_t)(i * 7 + (size_t)k);
            blobcache_pending_add(&p, key, oid);
        }
        blobcache_merge(c, &p);
        FUZZ_CHECK(sizes[s] == 0 || blobcache_save(c) == 0, "the writer failed");
        blobcache_close(c);
        if (!sizes[s])
            continue;
        FILE *f = fopen(file, "rb");
        FUZZ_CHECK(f != NULL, "the writer wrote no %s", file);
        uint8_t buf[HEAD + 40 * ENTRY];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        FUZZ_CHECK(n == HEAD + sizes[s] * ENTRY && valid(buf, n),
                   "the writer's file (%zu bytes) is not valid", n);
        fuzz_seed_variants(check_input, buf, n);
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

static void check_input(const uint8_t *data, size_t size)
{
    check_one(data, size);
    if (size >= HEAD) { /* again with the right checksum */
        uint8_t *fixed = malloc(size);
        FUZZ_CHECK(fixed != NULL, "out of memory");
        memcpy(fixed, data, size);
        uint64_t sum = file_checksum(fixed, size);
        memcpy(fixed + 32, &sum, 8);
        check_one(fixed, size);
        free(fixed);
    }
}
