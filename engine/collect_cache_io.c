/* collect_cache_io.c: the byte format of the collection caches (see
 * collect_cache_io.h). */
#include "collect_cache_io.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_INTERNED 256

/* ---- static strings --------------------------------------------------------- */

/* `why` and `inexact` are static strings in a collection (never freed), so
 * the ones read back are interned for the life of the process. */
static pthread_mutex_t intern_lock = PTHREAD_MUTEX_INITIALIZER;
static char *interned[MAX_INTERNED];

const char *cc_intern(const char *s, size_t n)
{
    const char *found = NULL;
    pthread_mutex_lock(&intern_lock);
    for (size_t i = 0; i < MAX_INTERNED && !found; i++) {
        if (!interned[i]) {
            if ((interned[i] = malloc(n + 1))) {
                memcpy(interned[i], s, n);
                interned[i][n] = '\0';
                found = interned[i];
            }
            break;
        }
        if (strlen(interned[i]) == n && !memcmp(interned[i], s, n))
            found = interned[i];
    }
    pthread_mutex_unlock(&intern_lock);
    return found;
}

/* ---- writing ----------------------------------------------------------------- */

void cc_put(out_buf *b, const void *data, size_t n)
{
    if (b->oom)
        return;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + n)
            cap *= 2;
        unsigned char *grown = realloc(b->p, cap);
        if (!grown) {
            b->oom = 1;
            return;
        }
        b->p = grown;
        b->cap = cap;
    }
    memcpy(b->p + b->n, data, n);
    b->n += n;
}

void cc_put_u32(out_buf *b, uint32_t v) { cc_put(b, &v, sizeof v); }

void cc_put_str(out_buf *b, const char *s)
{
    if (!s) {
        cc_put_u32(b, NO_STRING);
        return;
    }
    size_t n = strlen(s);
    if (n >= NO_STRING) {
        b->oom = 1;
        return;
    }
    cc_put_u32(b, (uint32_t)n);
    cc_put(b, s, n + 1); /* with its NUL: read back in place */
}

int cc_write_atomically(const char *path, const out_buf *b)
{
    size_t tn = strlen(path) + 32;
    char *tmp = malloc(tn);
    if (!tmp)
        return -1;
    snprintf(tmp, tn, "%s.%ld.tmp", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    int rc = -1;
    if (fd >= 0) {
        size_t done = 0;
        ssize_t w = 0;
        while (done < b->n && (w = write(fd, b->p + done, b->n - done)) > 0)
            done += (size_t)w;
        if (close(fd) != 0 || done != b->n || rename(tmp, path) != 0)
            unlink(tmp);
        else
            rc = 0;
    }
    free(tmp);
    return rc;
}

/* ---- reading ----------------------------------------------------------------- */

uint32_t cc_get_u32(in_buf *b)
{
    uint32_t v = 0;
    if (b->bad || b->n - b->at < sizeof v) {
        b->bad = 1;
        return 0;
    }
    memcpy(&v, b->p + b->at, sizeof v);
    b->at += sizeof v;
    return v;
}

const char *cc_get_str(in_buf *b, size_t *n)
{
    uint32_t len = cc_get_u32(b);
    *n = 0;
    if (b->bad || len == NO_STRING)
        return NULL;
    const char *s = (const char *)b->p + b->at;
    if (b->n - b->at <= len || s[len] != '\0' || memchr(s, 0, len)) {
        b->bad = 1;
        return NULL;
    }
    *n = len;
    b->at += (size_t)len + 1;
    return s;
}

const char *cc_get_used(in_buf *b)
{
    size_t n;
    const char *s = cc_get_str(b, &n);
    if (!s)
        b->bad = 1;
    return s;
}

const char *cc_get_static(in_buf *b)
{
    size_t n;
    const char *s = cc_get_str(b, &n);
    if (!s)
        return NULL;
    const char *kept = cc_intern(s, n);
    if (!kept)
        b->bad = 1;
    return kept;
}

int cc_read_all(int fd, unsigned char *into, size_t size)
{
    size_t done = 0;
    ssize_t r = 0;
    while (done < size && (r = pread(fd, into + done, size - done, (off_t)done)) > 0)
        done += (size_t)r;
    return done == size ? 0 : -1;
}
