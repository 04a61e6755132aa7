/* source_internal.h: how source.c finds and applies a file's encoding
 * (codec.c), as Python's tokenize.detect_encoding and bytes.decode(...,
 * errors="replace") do it. Internal to the engine. */
#ifndef TMD_SOURCE_INTERNAL_H
#define TMD_SOURCE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef enum tmd_codec_kind {
    TMD_CODEC_UTF8 = 0,      /* no cookie, or a cookie naming Python's utf_8 */
    TMD_CODEC_UTF8_SIG,      /* a UTF-8 BOM: drop it (and one more, as testmon) */
    TMD_CODEC_SINGLE_BYTE,   /* a one-byte charset glibc decodes as Python does */
    TMD_CODEC_MULTI_BYTE,    /* a CJK codec: exact only where glibc reports no
                                error and yields no character of `forbidden` */
    TMD_CODEC_UNDECODABLE,   /* testmon raises, or tmdiff cannot be exact */
} tmd_codec_kind;

/* Code points lo..hi; a list ends with {0, 0}. */
typedef struct tmd_cp_range {
    uint32_t lo, hi;
} tmd_cp_range;

typedef struct tmd_codec {
    tmd_codec_kind kind;
    const char *iconv_name; /* SINGLE_BYTE, MULTI_BYTE: glibc's name (static) */
    const tmd_cp_range *forbidden; /* MULTI_BYTE: what glibc makes of bytes
                                      Python rejects or reads otherwise */
    const char *why;        /* TMD_CODEC_UNDECODABLE: the reason (static) */
} tmd_codec;

/* tokenize.detect_encoding over the normalised bytes (form feeds and CRLF
 * already replaced): BOM, then a PEP 263 cookie on line 1, or on line 2 when
 * line 1 is blank or a comment. Never fails; the verdict is in *out. */
void tmd_codec_detect(tmd_codec *out, const uint8_t *s, size_t n);

/* Python's codec lookup of a cookie's name (after tokenize's own
 * normalisation): *out_utf8_exact is 1 when tokenize names it exactly
 * "utf-8" (the only cookie a BOM tolerates). Exposed for the unit tests. */
void tmd_codec_lookup(tmd_codec *out, int *out_utf8_exact, const char *name, size_t len);

/* Strict UTF-8 check as Python's decoder (no surrogates, no overlongs, at
 * most U+10FFFF). Returns 1 when valid and counts code points in *out_chars. */
int tmd_utf8_scan(const uint8_t *s, size_t n, size_t *out_chars);

/* UTF-8 decoding with errors="replace": one U+FFFD per maximal invalid
 * subsequence, as CPython. Appends to *out, adds the number of code points
 * to *out_chars. */
void tmd_utf8_decode_replace(tmd_buf *out, size_t *out_chars, const uint8_t *s, size_t n);

/* Decodes a one-byte charset through iconv (one U+FFFD per byte iconv
 * cannot map, as Python's charmap codecs). Returns 0, or -1 when iconv does
 * not know the charset or maps a byte to more than one character. */
int tmd_single_byte_decode(tmd_buf *out, size_t *out_chars, const char *iconv_name,
                           const uint8_t *s, size_t n);

/* Decodes a whole text through iconv for TMD_CODEC_MULTI_BYTE. Returns 0,
 * or -1 when iconv stops at any byte or yields a forbidden code point: then
 * Python's errors="replace" output is not known exactly. */
int tmd_multi_byte_decode(tmd_buf *out, size_t *out_chars, const char *iconv_name,
                          const tmd_cp_range *forbidden, const uint8_t *s, size_t n);

#endif
