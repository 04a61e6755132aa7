/* pyliteral_ucd.c: lookups in the generated per-dialect Unicode tables. */
#include "pyliteral.h"
#include "pyliteral_ucd.h"

#include <string.h>

typedef struct lit_ucd_dialect {
    const char *version;
    const uint32_t *run_start; /* sorted first code points of property runs */
    const uint8_t *run_props;  /* LIT_U_* bits of each run */
    uint32_t nruns;
    const uint32_t *cjk;       /* inclusive [lo, hi] pairs of CJK UNIFIED IDEOGRAPHs */
    uint32_t ncjk;
    uint8_t exact_props;
    uint8_t exact_names;
} lit_ucd_dialect;

#include "pyliteral_ucd_tables.h" /* generated in the build directory */

/* Name table value: code point (21 bits), dialect mask (bits 21..26),
 * alias flag (bit 29, unused here). */
#define NAME_CP(v) ((v) & 0x1FFFFFu)
#define NAME_MASK(v) (((v) >> 21) & 0x3Fu)

static const lit_ucd_dialect *dialect_table(const tmd_dialect *dialect)
{
    int i = dialect->minor - 8;
    if (i < 0)
        i = 0;
    if (i > 5)
        i = 5;
    return &lit_ucd_dialects[i];
}

const char *lit_ucd_version(const tmd_dialect *dialect)
{
    return dialect_table(dialect)->version;
}

int lit_ucd_is_exact(const tmd_dialect *dialect)
{
    const lit_ucd_dialect *t = dialect_table(dialect);
    return t->exact_props && t->exact_names;
}

int lit_ucd_props(const tmd_dialect *dialect, uint32_t cp)
{
    const lit_ucd_dialect *t = dialect_table(dialect);
    /* the last run starting at or before cp */
    uint32_t lo = 0, hi = t->nruns;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (t->run_start[mid] <= cp)
            lo = mid;
        else
            hi = mid;
    }
    return t->run_props[lo];
}

/* Word `id` of the name vocabulary (length-prefixed words, an offset
 * stored for every LIT_UCD_VOCAB_STEP-th). */
static const char *vocab_word(uint32_t id, size_t *len)
{
    const unsigned char *w = (const unsigned char *)lit_ucd_vocab_blob +
                             lit_ucd_vocab_off[id / LIT_UCD_VOCAB_STEP];
    for (uint32_t k = id % LIT_UCD_VOCAB_STEP; k > 0; k--)
        w += 1 + w[0];
    *len = w[0];
    return (const char *)w + 1;
}

/* Decodes the names of a front-coded block one after another. */
typedef struct name_reader {
    const unsigned char *s, *end;
    char buf[LIT_UCD_NAME_MAX + 1];
    size_t word_end[16]; /* buf length after each word of the current name */
    unsigned nwords;
} name_reader;

static void reader_open(name_reader *r, uint32_t block)
{
    r->s = (const unsigned char *)lit_ucd_name_stream + lit_ucd_block_off[block];
    r->end = (const unsigned char *)lit_ucd_name_stream + lit_ucd_block_off[block + 1];
    r->nwords = 0;
}

/* The next name of the block into r->buf; its length. */
static size_t reader_next(name_reader *r)
{
    unsigned head = *r->s++, shared = head >> 4, fresh = head & 15;
    size_t n = shared ? r->word_end[shared - 1] : 0;
    r->nwords = shared;
    for (unsigned k = 0; k < fresh; k++) {
        uint32_t id = *r->s++;
        if (id & 0x80)
            id = ((id & 0x7F) << 8) | *r->s++;
        size_t wl;
        const char *w = vocab_word(id, &wl);
        if (n)
            r->buf[n++] = ' ';
        memcpy(r->buf + n, w, wl);
        n += wl;
        if (r->nwords < 16)
            r->word_end[r->nwords++] = n;
    }
    r->buf[n] = '\0';
    return n;
}

static int name_cmp(const char *have, size_t hl, const char *want, size_t len)
{
    int c = memcmp(have, want, hl < len ? hl : len);
    if (c == 0)
        c = hl < len ? -1 : hl > len ? 1 : 0;
    return c;
}

static int hangul_syllable(const char *name, size_t len, uint32_t *cp)
{
    /* CPython: each column takes its longest matching jamo short name, and
     * the three must cover the rest of the name exactly (case-sensitive). */
    const char *const *cols[3] = {lit_ucd_jamo_L, lit_ucd_jamo_V, lit_ucd_jamo_T};
    const int counts[3] = {19, 21, 28};
    int idx[3];
    size_t pos = 0;
    for (int c = 0; c < 3; c++) {
        int best = -1;
        size_t best_len = 0;
        for (int j = 0; j < counts[c]; j++) {
            size_t wl = strlen(cols[c][j]);
            if ((best < 0 || wl > best_len) && wl <= len - pos &&
                memcmp(name + pos, cols[c][j], wl) == 0) {
                best = j;
                best_len = wl;
            }
        }
        if (best < 0)
            return LIT_SYNTAX;
        idx[c] = best;
        pos += best_len;
    }
    if (pos != len)
        return LIT_SYNTAX;
    *cp = 0xAC00u + (uint32_t)((idx[0] * 21 + idx[1]) * 28 + idx[2]);
    return LIT_OK;
}

static int cjk_ideograph(const lit_ucd_dialect *t, const char *hex, size_t len, uint32_t *cp)
{
    /* four or five upper-case hex digits, inside the dialect's ranges */
    if (len != 4 && len != 5)
        return LIT_SYNTAX;
    uint32_t v = 0;
    for (size_t i = 0; i < len; i++) {
        char c = hex[i];
        if (c >= '0' && c <= '9')
            v = v * 16 + (uint32_t)(c - '0');
        else if (c >= 'A' && c <= 'F')
            v = v * 16 + (uint32_t)(c - 'A' + 10);
        else
            return LIT_SYNTAX;
    }
    for (uint32_t i = 0; i < t->ncjk; i++)
        if (v >= t->cjk[2 * i] && v <= t->cjk[2 * i + 1]) {
            *cp = v;
            return LIT_OK;
        }
    return t->exact_props ? LIT_SYNTAX : LIT_INEXACT;
}

int lit_ucd_lookup(const tmd_dialect *dialect, const char *name, size_t len, uint32_t *cp)
{
    const lit_ucd_dialect *t = dialect_table(dialect);
    int miss = t->exact_names ? LIT_SYNTAX : LIT_INEXACT;
    /* The algorithmic prefixes are compared case-sensitively (strncmp in
     * CPython's unicodedata.c); a match there never falls back to the table. */
    if (len >= 16 && memcmp(name, "HANGUL SYLLABLE ", 16) == 0)
        return hangul_syllable(name + 16, len - 16, cp);
    if (len >= 22 && memcmp(name, "CJK UNIFIED IDEOGRAPH-", 22) == 0)
        return cjk_ideograph(t, name + 22, len - 22, cp);
    if (len == 0 || len > LIT_UCD_NAME_MAX)
        return miss;
    char want[LIT_UCD_NAME_MAX + 1];
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        want[i] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
    }
    /* the last block whose first name is <= want, then a scan of it */
    const uint32_t nblocks = (LIT_UCD_NAMES + LIT_UCD_NAME_BLOCK - 1) / LIT_UCD_NAME_BLOCK;
    uint32_t lo = 0, hi = nblocks;
    name_reader r;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        reader_open(&r, mid);
        size_t hl = reader_next(&r);
        if (name_cmp(r.buf, hl, want, len) <= 0)
            lo = mid;
        else
            hi = mid;
    }
    reader_open(&r, lo);
    for (uint32_t i = lo * LIT_UCD_NAME_BLOCK; r.s < r.end; i++) {
        size_t hl = reader_next(&r);
        int c = name_cmp(r.buf, hl, want, len);
        if (c > 0)
            break;
        if (c == 0) {
            uint32_t v = lit_ucd_name_val[i];
            int di = dialect->minor - 8;
            if (di >= 0 && di <= 5 && (NAME_MASK(v) >> di) & 1u) {
                *cp = NAME_CP(v);
                return LIT_OK;
            }
            return miss;
        }
    }
    return miss;
}
