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

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

#endif
