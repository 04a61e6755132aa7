/* fuzz_common.h: invariant checks shared by the fuzz targets.
 *
 * A fuzz target is a test, not engine code: a broken invariant prints what
 * broke and abort()s, which libFuzzer reports as a crash (and the standalone
 * replay as a failed ctest test). */
#ifndef TMD_FUZZ_COMMON_H
#define TMD_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond, ...)                                                     \
    do {                                                                          \
        if (!(cond)) {                                                            \
            fprintf(stderr, "%s:%d: invariant failed: %s: ", __FILE__, __LINE__,  \
                    #cond);                                                       \
            fprintf(stderr, __VA_ARGS__);                                         \
            fputc('\n', stderr);                                                  \
            abort();                                                              \
        }                                                                         \
    } while (0)

/* Makes a fresh folder $TMPDIR/tmdiff-fuzz-NAME-XXXXXX (or under /tmp)
 * into `dir` (`cap` bytes). */
static inline void fuzz_temp_dir(char *dir, size_t cap, const char *name)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, cap, "%s/tmdiff-fuzz-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
    FUZZ_CHECK(mkdtemp(dir) != NULL, "mkdtemp %s", dir);
}

/* Strict UTF-8 (what Python's encoder writes): no overlong forms, no
 * surrogates, nothing past U+10FFFF. 1 when valid. */
static inline int fuzz_utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        uint32_t cp, min;
        if ((c & 0xE0) == 0xC0)
            need = 1, cp = c & 0x1F, min = 0x80;
        else if ((c & 0xF0) == 0xE0)
            need = 2, cp = c & 0x0F, min = 0x800;
        else if ((c & 0xF8) == 0xF0)
            need = 3, cp = c & 0x07, min = 0x10000;
        else
            return 0;
        if (n - i <= need)
            return 0;
        for (size_t k = 1; k <= need; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += need + 1;
    }
    return 1;
}

/* 1 when s is exactly 40 lower-case hex digits. */
static inline int fuzz_is_hex40(const char *s)
{
    for (int i = 0; i < 40; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return s[40] == '\0';
}

/* The dialect an input's first byte picks: 3.8 .. 3.13, and for each the
 * newest behaviour (micro -1), the .0 release or a later patch release
 * (3.11.4's NUL rule, 3.12.1's format specs). */
static inline void fuzz_dialect_from_byte(int *minor, int *micro, uint8_t b)
{
    static const int micros[3] = {-1, 0, 4};
    *minor = 8 + b % 6;
    *micro = micros[(b / 6) % 3];
}

#endif
