/* fuzz_seeds.h: seeds made by the real writers, for the cache targets.
 *
 * A cache file target makes a few valid files with the engine's own writer
 * on its first input and feeds each, truncations of it (every length up
 * to 256 bytes, then about 300 more) and about 1,500 single-bit flips to
 * its own check, so that every replay (ctest) covers them. With
 * $FUZZ_SEED_OUT set to a folder, they are also written there as
 * seed_<n>, a starting corpus for libFuzzer. */
#ifndef TMD_FUZZ_SEEDS_H
#define TMD_FUZZ_SEEDS_H

#include "fuzz_common.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

typedef void (*fuzz_seed_check)(const uint8_t *data, size_t size);

static inline void fuzz_seed_emit(fuzz_seed_check check, const uint8_t *d, size_t n)
{
    static unsigned count;
    const char *out = getenv("FUZZ_SEED_OUT");
    if (out && *out) {
        char path[4200];
        snprintf(path, sizeof path, "%s/seed_%u", out, count);
        FILE *f = fopen(path, "wb");
        if (f) {
            fwrite(d, 1, n, f);
            fclose(f);
        }
    }
    count++;
    check(d, n);
}

/* The valid file `d` (n bytes), its truncations and bit flips. */
static inline void fuzz_seed_variants(fuzz_seed_check check, const uint8_t *d, size_t n)
{
    fuzz_seed_emit(check, d, n);
    uint8_t *copy = malloc(n ? n : 1);
    FUZZ_CHECK(copy != NULL, "out of memory");
    size_t cut_step = n / 300 | 1, flip_step = (n * 8 / 1500) | 7;
    for (size_t len = 0; len < n; len += len < 256 ? 1 : cut_step) {
        /* a buffer of exactly len bytes: ASan sees reads past it */
        uint8_t *cut = malloc(len ? len : 1);
        FUZZ_CHECK(cut != NULL, "out of memory");
        memcpy(cut, d, len);
        check(cut, len);
        free(cut);
    }
    for (size_t bit = 0; bit < n * 8; bit += flip_step) {
        memcpy(copy, d, n);
        copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        if (bit % (flip_step * 29) == 0)
            fuzz_seed_emit(check, copy, n);
        else
            check(copy, n);
    }
    free(copy);
}

/* Writes the input as the cache file at `path`. */
static inline void fuzz_write_file(const char *path, const uint8_t *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FUZZ_CHECK(fd >= 0, "cannot create %s", path);
    FUZZ_CHECK(size == 0 || write(fd, data, size) == (ssize_t)size, "cannot write %s", path);
    FUZZ_CHECK(close(fd) == 0, "cannot write %s", path);
}

/* Checks the input as it is, then (when long enough) with the XXH3-64 of
 * its bytes from `body` on stored at `hash_at`, so the fuzzer gets past a
 * file's hash. */
static inline void fuzz_check_with_hash_fixed(fuzz_seed_check check, const uint8_t *data,
                                              size_t size, size_t hash_at, size_t body)
{
    check(data, size);
    if (size < body || size < hash_at + 8)
        return;
    uint8_t *fixed = malloc(size);
    FUZZ_CHECK(fixed != NULL, "out of memory");
    memcpy(fixed, data, size);
    uint64_t h = XXH3_64bits(fixed + body, size - body);
    memcpy(fixed + hash_at, &h, 8);
    check(fixed, size);
    free(fixed);
}

#endif
