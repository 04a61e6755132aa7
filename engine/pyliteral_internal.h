/* pyliteral_internal.h: helpers shared by the pyliteral*.c files (internal). */
#ifndef TMD_PYLITERAL_INTERNAL_H
#define TMD_PYLITERAL_INTERNAL_H

#include "pyliteral.h"

#include <stddef.h>
#include <stdint.h>

/* Formats `why` (may be NULL) and returns `status`. */
int lit_fail(char *why, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Decodes one UTF-8 sequence at s[0..n); its length, or 0 if malformed
 * (overlong forms and encoded surrogates count as malformed). */
size_t lit_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* repr()'s spelling of one character >= U+0080 inside a str: itself where
 * the dialect's Unicode data calls it printable, else \xNN, \uNNNN or
 * \UNNNNNNNN. */
int lit_repr_non_ascii(tmd_buf *out, uint32_t c, const tmd_dialect *dialect, char *why);

#endif
