/* blobcache.c: content (XXH3-128) -> git blob id, kept in one flat file
 * (blobcache.h). The file is trusted only after its header, size, byte
 * order, checksum and key order check out, and only when it is a regular
 * file private to the user running tmdiff; anything else starts afresh. */
#include "blobcache.h"
#include "build_id.h"
#include "cache_dir.h"
#include "error.h"
#include "store.h"
#include "tmdiff.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#define MAGIC "TMDBLOB1"
#define BYTE_ORDER_MARK 0x01020304u
/* A file holding more than this is not ours to read (10 MiB). */
#define HARD_MAX_ENTRIES ((size_t)BLOBCACHE_MAX_ENTRIES * 2)

typedef struct head {
    char magic[8];
    uint32_t entry_size; /* sizeof(blobcache_entry) */
    uint32_t byte_order; /* BYTE_ORDER_MARK as the writer stored it */
    uint64_t count;
    uint64_t seed;
    uint64_t check; /* XXH3-64 of this head (check = 0) and the entries */
} head;

_Static_assert(sizeof(blobcache_entry) == 40, "entries are stored as they are in memory");
_Static_assert(sizeof(head) == 40, "the head is stored as it is in memory");

struct blobcache {
    char *dir, *path;
    size_t max_entries;
    uint64_t seed;
    uint64_t fsha_domain;     /* this build's identity hashed, 0: none */
    void *file;               /* the file's bytes as read: head + entries */
    const blobcache_entry *e; /* sorted by key, unique; into file */
    size_t n;
    _Atomic unsigned char *hit; /* n flags: entry i used by this run */
    /* Keys are uniform: their top `bits` bits index `bucket`, whose entries
     * b and b+1 bound the entries with that prefix (about one each). */
    uint32_t *bucket;
    unsigned bits;
    blobcache_pending added;  /* merged from the workers */
};

static uint64_t top64(const uint8_t key[16])
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | key[i];
    return v;
}

static size_t prefix_of(const blobcache *c, const uint8_t key[16])
{
    return c->bits ? (size_t)(top64(key) >> (64 - c->bits)) : 0;
}

/* The bucket table over c->e[0..n); -1 without memory. */
static int index_buckets(blobcache *c)
{
    unsigned bits = 0;
    while (bits < 20 && ((size_t)2 << bits) <= c->n)
        bits++;
    size_t nb = (size_t)1 << bits;
    if (!(c->bucket = malloc((nb + 1) * sizeof *c->bucket)))
        return -1;
    c->bits = bits;
    size_t i = 0;
    for (size_t b = 0; b < nb; b++) {
        while (i < c->n && prefix_of(c, c->e[i].key) < b)
            i++;
        c->bucket[b] = (uint32_t)i;
    }
    c->bucket[nb] = (uint32_t)c->n;
    return 0;
}

static uint64_t new_seed(void)
{
    uint64_t seed = 0;
    if (getrandom(&seed, sizeof seed, 0) == (ssize_t)sizeof seed)
        return seed;
    /* no entropy source: still unpredictable enough for a private cache */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t mix[3] = {(uint64_t)ts.tv_nsec, (uint64_t)ts.tv_sec, (uint64_t)getpid()};
    return XXH3_64bits(mix, sizeof mix) ^ (uint64_t)(uintptr_t)&seed;
}

static uint64_t checksum(const head *h, const blobcache_entry *e, size_t n)
{
    head copy = *h;
    copy.check = 0;
    XXH3_state_t *st = XXH3_createState();
    if (!st)
        return 0; /* a check that fails: the file is then not used */
    XXH3_64bits_reset(st);
    XXH3_64bits_update(st, &copy, sizeof copy);
    XXH3_64bits_update(st, e, n * sizeof *e);
    uint64_t sum = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    return sum;
}

static int read_all(int fd, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

/* Adopts the cache file when every check passes; else leaves c empty. */
static void load(blobcache *c)
{
    int fd = open(c->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return;
    struct stat st;
    void *bytes = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
        (st.st_mode & (S_IWGRP | S_IWOTH)) || (uint64_t)st.st_size < sizeof(head) ||
        (uint64_t)st.st_size > sizeof(head) + HARD_MAX_ENTRIES * sizeof(blobcache_entry))
        goto out;
    size_t size = (size_t)st.st_size;
    if (!(bytes = malloc(size)) || read_all(fd, bytes, size) != 0)
        goto out;
    head h;
    memcpy(&h, bytes, sizeof h);
    size_t n = (size - sizeof h) / sizeof(blobcache_entry);
    const blobcache_entry *e = (const blobcache_entry *)((char *)bytes + sizeof h);
    if (memcmp(h.magic, MAGIC, 8) || h.entry_size != sizeof(blobcache_entry) ||
        h.byte_order != BYTE_ORDER_MARK || h.count != n ||
        sizeof h + n * sizeof *e != size || checksum(&h, e, n) != h.check)
        goto out;
    for (size_t i = 1; i < n; i++)
        if (memcmp(e[i - 1].key, e[i].key, 16) >= 0)
            goto out; /* lookups need strictly ascending keys */
    if (n && !(c->hit = calloc(n, 1)))
        goto out;
    c->e = e;
    c->n = n;
    if (index_buckets(c) != 0) {
        c->e = NULL;
        c->n = 0;
        free((void *)c->hit);
        c->hit = NULL;
        goto out;
    }
    c->file = bytes;
    bytes = NULL;
    c->seed = h.seed;
out:
    free(bytes);
    close(fd);
}

int blobcache_open_bounded(blobcache **out, const char *dir, size_t max_entries)
{
    *out = NULL;
    blobcache *c = calloc(1, sizeof *c);
    if (!c)
        return tmd_error(TMD_ENOMEM, "blobcache: out of memory");
    c->dir = cache_dir_path(dir, NULL);
    if (!c->dir) {
        free(c);
        return dir ? tmd_error(TMD_ENOMEM, "blobcache: out of memory")
                   : tmd_error(TMD_ENOTFOUND, "blobcache: neither $XDG_CACHE_HOME nor $HOME is "
                               "set (set one, or run with --no-cache)");
    }
    size_t pn = strlen(c->dir) + sizeof "/" BLOBCACHE_FILE;
    if (!(c->path = malloc(pn))) {
        blobcache_close(c);
        return tmd_error(TMD_ENOMEM, "blobcache: out of memory");
    }
    snprintf(c->path, pn, "%s/%s", c->dir, BLOBCACHE_FILE);
    c->max_entries = max_entries ? max_entries : 1;
    char id[130];
    if (tmd_build_id(id, sizeof id) == 0)
        c->fsha_domain = XXH3_64bits(id, strlen(id)) | 1;
    load(c);
    if (!c->file)
        c->seed = new_seed();
    *out = c;
    return TMD_OK;
}

int blobcache_open(blobcache **out, const char *dir)
{
    return blobcache_open_bounded(out, dir, BLOBCACHE_MAX_ENTRIES);
}

void blobcache_close(blobcache *c)
{
    if (!c)
        return;
    free(c->dir);
    free(c->path);
    free(c->file);
    free((void *)c->hit);
    free(c->bucket);
    blobcache_pending_free(&c->added);
    free(c);
}

void blobcache_key(const blobcache *c, const void *bytes, size_t n, uint8_t key[16])
{
    XXH128_canonical_t canon;
    XXH128_canonicalFromHash(&canon, XXH3_128bits_withSeed(bytes, n, c->seed));
    memcpy(key, canon.digest, 16);
}

int blobcache_key_fsha(const blobcache *c, const void *bytes, size_t n, uint8_t key[16])
{
    if (!c->fsha_domain)
        return 0;
    XXH128_canonical_t canon;
    XXH128_canonicalFromHash(&canon, XXH3_128bits_withSeed(bytes, n, c->seed ^ c->fsha_domain));
    memcpy(key, canon.digest, 16);
    return 1;
}

int blobcache_lookup(blobcache *c, const uint8_t key[16], uint8_t oid[20])
{
    if (!c->n)
        return 0;
    size_t b = prefix_of(c, key);
    for (size_t i = c->bucket[b]; i < c->bucket[b + 1]; i++) {
        int cmp = memcmp(key, c->e[i].key, 16);
        if (cmp == 0) {
            memcpy(oid, c->e[i].oid, 20);
            atomic_store_explicit(&c->hit[i], 1, memory_order_relaxed);
            return 1;
        }
        if (cmp < 0)
            break;
    }
    return 0;
}

void blobcache_pending_add(blobcache_pending *p, const uint8_t key[16], const uint8_t oid[20])
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        blobcache_entry *e = realloc(p->e, cap * sizeof *e);
        if (!e)
            return;
        p->e = e;
        p->cap = cap;
    }
    blobcache_entry *x = &p->e[p->n++];
    memcpy(x->key, key, 16);
    memcpy(x->oid, oid, 20);
    x->used = 0;
}

void blobcache_pending_free(blobcache_pending *p)
{
    free(p->e);
    memset(p, 0, sizeof *p);
}

void blobcache_merge(blobcache *c, blobcache_pending *p)
{
    if (!c->added.e) { /* the first list is taken as it is */
        c->added = *p;
        memset(p, 0, sizeof *p);
        return;
    }
    for (size_t i = 0; i < p->n; i++)
        blobcache_pending_add(&c->added, p->e[i].key, p->e[i].oid);
    blobcache_pending_free(p);
}

static int by_key(const void *a, const void *b)
{
    return memcmp(((const blobcache_entry *)a)->key, ((const blobcache_entry *)b)->key, 16);
}

static int newest_first(const void *a, const void *b)
{
    uint32_t x = ((const blobcache_entry *)a)->used, y = ((const blobcache_entry *)b)->used;
    return x > y ? -1 : x < y ? 1 : by_key(a, b);
}

/* 1 when an entry this run used was last saved as used a day or more ago:
 * its stamp is refreshed (one write a day) so that the bound does not evict
 * a repository's entries merely because its contents stopped changing. */
static int stale_hits(const blobcache *c, uint32_t now)
{
    for (size_t i = 0; i < c->n; i++)
        if (atomic_load_explicit(&c->hit[i], memory_order_relaxed) &&
            c->e[i].used + BLOBCACHE_REFRESH_SECS <= now)
            return 1;
    return 0;
}

int blobcache_save(blobcache *c)
{
    uint32_t now = (uint32_t)time(NULL);
    if (!c->added.n && !stale_hits(c, now))
        return 0;
    size_t total = c->n + c->added.n;
    blobcache_entry *all = malloc((total ? total : 1) * sizeof *all);
    if (!all)
        return -1;
    for (size_t i = 0; i < c->n; i++) {
        all[i] = c->e[i];
        if (atomic_load_explicit(&c->hit[i], memory_order_relaxed))
            all[i].used = now;
    }
    for (size_t i = 0; i < c->added.n; i++) {
        all[c->n + i] = c->added.e[i];
        all[c->n + i].used = now;
    }
    qsort(all, total, sizeof *all, by_key);
    size_t n = 0; /* one entry per key (two workers may add the same content) */
    for (size_t i = 0; i < total; i++) {
        if (n && !memcmp(all[n - 1].key, all[i].key, 16)) {
            if (all[i].used > all[n - 1].used)
                all[n - 1].used = all[i].used;
            continue;
        }
        all[n++] = all[i];
    }
    if (n > c->max_entries) {
        qsort(all, n, sizeof *all, newest_first);
        n = c->max_entries;
        qsort(all, n, sizeof *all, by_key);
    }
    head h;
    memcpy(h.magic, MAGIC, 8);
    h.entry_size = sizeof(blobcache_entry);
    h.byte_order = BYTE_ORDER_MARK;
    h.count = n;
    h.seed = c->seed;
    h.check = checksum(&h, all, n);

    cache_dir_make(c->dir); /* a failure shows when the file is written */
    size_t tn = strlen(c->path) + 8;
    char *tmp = malloc(tn);
    int fd = -1, rc = -1;
    if (tmp) {
        snprintf(tmp, tn, "%s.XXXXXX", c->path);
        fd = mkstemp(tmp); /* 0600: the seed stays the owner's */
    }
    if (fd >= 0) {
        int ok = tmd_store_write_all(fd, &h, sizeof h) == 0 &&
                 tmd_store_write_all(fd, all, n * sizeof *all) == 0;
        ok = close(fd) == 0 && ok;
        if (ok && rename(tmp, c->path) == 0)
            rc = 0;
        else
            unlink(tmp);
    }
    free(tmp);
    free(all);
    if (rc == 0) {
        /* saved: a second save writes nothing */
        blobcache_pending_free(&c->added);
        for (size_t i = 0; i < c->n; i++)
            atomic_store_explicit(&c->hit[i], 0, memory_order_relaxed);
    }
    return rc;
}

size_t blobcache_count(const blobcache *c) { return c->n + c->added.n; }

const char *blobcache_path(const blobcache *c) { return c->path; }
