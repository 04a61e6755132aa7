/* collect_cache_io.h: the byte format of the collection caches (internal;
 * collect_cache.c and collect_cache_files.c): u32 numbers and length-
 * prefixed, NUL-ended strings, read back in place with every length checked. */
#ifndef TMD_COLLECT_CACHE_IO_H
#define TMD_COLLECT_CACHE_IO_H

#include <stddef.h>
#include <stdint.h>

#define NO_STRING UINT32_MAX

typedef struct out_buf {
    unsigned char *p;
    size_t n, cap;
    int oom;
} out_buf;

void cc_put(out_buf *b, const void *data, size_t n);
void cc_put_u32(out_buf *b, uint32_t v);
void cc_put_str(out_buf *b, const char *s); /* NULL allowed */
/* Writes b under `path` (a temporary name, then renamed): 0, or -1. */
int cc_write_atomically(const char *path, const out_buf *b);

typedef struct in_buf {
    const unsigned char *p;
    size_t n, at;
    int bad; /* set by any read past the end or malformed string */
} in_buf;

uint32_t cc_get_u32(in_buf *b);
/* The next string, pointing into the buffer (NUL-ended there, no other NUL
 * inside); NULL for a NULL string. */
const char *cc_get_str(in_buf *b, size_t *n);
const char *cc_get_used(in_buf *b);   /* a string that must be there */
const char *cc_get_static(in_buf *b); /* interned for the process's life (why, inexact) */
/* A copy of s[0, n) kept for the process's life, one per distinct text (a
 * collection's `why` and `inexact` are never freed); NULL when the table is
 * full or memory is out. */
const char *cc_intern(const char *s, size_t n);

/* Reads the whole of fd (size bytes) at `into`: 0, or -1. */
int cc_read_all(int fd, unsigned char *into, size_t size);

#endif
