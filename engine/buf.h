/* buf.h: a growable byte buffer, the engine's one string builder (internal).
 * Appends never fail silently: on allocation failure `oom` is set and later
 * appends are no-ops, so callers check once at the end. */
#ifndef TMD_BUF_H
#define TMD_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct tmd_buf {
    char *data;   /* always NUL-terminated once anything was appended */
    size_t len;
    size_t cap;
    int oom;
} tmd_buf;

#define TMD_BUF_INIT {NULL, 0, 0, 0}

int tmd_buf_grow(tmd_buf *b, size_t extra);
/* The appends are inline: the dumper makes millions of short ones per MB
 * of source, mostly of string literals whose strlen the compiler folds. */
static inline void tmd_buf_put(tmd_buf *b, const void *bytes, size_t n)
{
    if ((b->oom || b->len + n + 1 > b->cap) && tmd_buf_grow(b, n))
        return;
    if (n)
        memcpy(b->data + b->len, bytes, n);
    b->len += n;
    b->data[b->len] = '\0';
}
static inline void tmd_buf_puts(tmd_buf *b, const char *s) { tmd_buf_put(b, s, strlen(s)); }
static inline void tmd_buf_putc(tmd_buf *b, char c)
{
    if ((b->oom || b->len + 2 > b->cap) && tmd_buf_grow(b, 1))
        return;
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}
void tmd_buf_printf(tmd_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends code point cp as UTF-8 (surrogates too, as Python's surrogatepass). */
void tmd_buf_put_utf8(tmd_buf *b, uint32_t cp);
void tmd_buf_truncate(tmd_buf *b, size_t len);
/* Hands the data to the caller (free() it) and resets the buffer. */
char *tmd_buf_detach(tmd_buf *b, size_t *len);
void tmd_buf_free(tmd_buf *b);

#endif
