/* collect_cache.c: collections saved under the hash of everything the
 * collector read (collect_cache.h). A file is a head (magic, key, hash of
 * the rest, the counts) and a body of length-prefixed, NUL-ended strings; it
 * is written under a temporary name then renamed. A warm run reads it into
 * one block that becomes the collection (tmd_collection.arena): the strings
 * are used where they lie, every length and the order checked, so 100,000
 * items cost no allocation each. */
#include "cache_evict.h"
#include "cache_dir.h"
#include "collect_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#define MAGIC "TMDCOLL2"
#define HEAD_SIZE 48 /* magic, key, hash, count, nfiles, nexpect, pad */
#define NO_STRING UINT32_MAX
#define MAX_INTERNED 256
#define KEEP_COLLECTIONS 8 /* a few MB each on a large suite */

/* ---- the key ------------------------------------------------------------- */

static void hash_u64(XXH3_state_t *h, uint64_t v) { XXH3_128bits_update(h, &v, sizeof v); }

static void hash_str(XXH3_state_t *h, const char *s)
{
    hash_u64(h, strlen(s));
    XXH3_128bits_update(h, s, strlen(s));
}

/* The bytes of `path` into the hash (streamed), or a marker for "absent". */
static int hash_file(XXH3_state_t *h, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        hash_u64(h, errno == ENOENT ? 1 : 2);
        return 0;
    }
    unsigned char buf[65536];
    uint64_t total = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        XXH3_128bits_update(h, buf, (size_t)n);
        total += (uint64_t)n;
    }
    close(fd);
    if (n < 0)
        return -1; /* a directory, or a read error: no key */
    hash_u64(h, 3);
    hash_u64(h, total);
    return 0;
}

static int hash_list(XXH3_state_t *h, const char *rootabs, const strvec *list)
{
    hash_u64(h, list->n);
    char path[8192];
    for (size_t i = 0; i < list->n; i++) {
        hash_str(h, list->v[i]);
        if ((size_t)snprintf(path, sizeof path, "%s/%s", rootabs, list->v[i]) >= sizeof path ||
            hash_file(h, path) != 0)
            return -1;
    }
    return 0;
}

int collect_cache_key(collect_key *key, const char *rootabs, const strvec *conftests,
                      const strvec *files)
{
    static const char *const configs[] = {"pytest.ini", ".pytest.ini", "pyproject.toml",
                                          "tox.ini", "setup.cfg"};
    XXH3_state_t *h = XXH3_createState();
    if (!h)
        return -1;
    XXH3_128bits_reset(h);
    hash_str(h, MAGIC);
    /* the collector's code: this executable */
    struct stat st;
    if (stat("/proc/self/exe", &st) != 0) {
        XXH3_freeState(h);
        return -1;
    }
    hash_u64(h, (uint64_t)st.st_dev);
    hash_u64(h, (uint64_t)st.st_ino);
    hash_u64(h, (uint64_t)st.st_size);
    hash_u64(h, (uint64_t)st.st_mtim.tv_sec * 1000000000u + (uint64_t)st.st_mtim.tv_nsec);
    hash_str(h, rootabs);
    char path[8192];
    int rc = 0;
    for (size_t i = 0; i < sizeof configs / sizeof *configs && !rc; i++) {
        snprintf(path, sizeof path, "%s/%s", rootabs, configs[i]);
        rc = hash_file(h, path);
    }
    if (!rc)
        rc = hash_list(h, rootabs, conftests);
    if (!rc)
        rc = hash_list(h, rootabs, files);
    XXH128_hash_t v = XXH3_128bits_digest(h);
    XXH3_freeState(h);
    XXH128_canonical_t canon;
    XXH128_canonicalFromHash(&canon, v);
    memcpy(key->bytes, canon.digest, sizeof key->bytes);
    return rc;
}

/* ---- where ------------------------------------------------------------------- */

char *collect_cache_dir(const char *cache_dir)
{
    const char *own = getenv("TMDIFF_COLLECT_CACHE");
    if (own && !cache_dir)
        return *own ? strdup(own) : NULL;
    return cache_dir_path(cache_dir, "collect");
}

static char *file_of(const char *dir, const collect_key *key)
{
    char name[40];
    for (int i = 0; i < 16; i++)
        snprintf(name + 2 * i, 3, "%02x", key->bytes[i]);
    size_t n = strlen(dir) + 1 + 32 + 5;
    char *path = malloc(n);
    if (path)
        snprintf(path, n, "%s/%s.col", dir, name);
    return path;
}

/* ---- static strings --------------------------------------------------------- */

/* `why` and `inexact` are static strings in a collection (never freed), so
 * the ones read back are interned for the life of the process. */
static pthread_mutex_t intern_lock = PTHREAD_MUTEX_INITIALIZER;
static char *interned[MAX_INTERNED];

static const char *intern(const char *s, size_t n)
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

typedef struct out_buf {
    unsigned char *p;
    size_t n, cap;
    int oom;
} out_buf;

static void put(out_buf *b, const void *data, size_t n)
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

static void put_u32(out_buf *b, uint32_t v) { put(b, &v, sizeof v); }

static void put_str(out_buf *b, const char *s)
{
    if (!s) {
        put_u32(b, NO_STRING);
        return;
    }
    size_t n = strlen(s);
    if (n >= NO_STRING) {
        b->oom = 1;
        return;
    }
    put_u32(b, (uint32_t)n);
    put(b, s, n + 1); /* with its NUL: read back in place */
}

void collect_cache_save(const tmd_collection *c, const char *dir, const collect_key *key)
{
    char *path = file_of(dir, key);
    if (!path)
        return;
    out_buf b = {0};
    size_t nexpect = 0;
    for (size_t i = 0; i < c->count; i++)
        nexpect += c->items[i].expect ? c->items[i].nexpect : 0;
    put(&b, MAGIC, 8);
    put(&b, key->bytes, sizeof key->bytes);
    uint64_t zero = 0;
    put(&b, &zero, sizeof zero); /* the hash of the rest, filled in below */
    size_t hashed = b.n;
    put_u32(&b, (uint32_t)c->count);
    put_u32(&b, (uint32_t)c->nfiles);
    put_u32(&b, (uint32_t)nexpect);
    put_u32(&b, 0);
    put_str(&b, c->inexact);
    for (size_t i = 0; i < c->count; i++) {
        const tmd_collected *it = &c->items[i];
        put_u32(&b, (uint32_t)it->kind);
        put_str(&b, it->nodeid);
        put_str(&b, it->why);
        put_u32(&b, it->expect ? (uint32_t)it->nexpect : NO_STRING);
        for (size_t k = 0; it->expect && k < it->nexpect; k++)
            put_str(&b, it->expect[k]);
    }
    for (size_t i = 0; i < c->nfiles; i++)
        put_str(&b, c->files[i]);
    if (!b.oom && c->count < NO_STRING && c->nfiles < NO_STRING && nexpect < NO_STRING) {
        uint64_t h = XXH3_64bits(b.p + hashed, b.n - hashed);
        memcpy(b.p + hashed - sizeof h, &h, sizeof h);
        cache_dir_make(dir);
        size_t tn = strlen(path) + 32;
        char *tmp = malloc(tn);
        int fd = -1;
        if (tmp) {
            snprintf(tmp, tn, "%s.%ld.tmp", path, (long)getpid());
            fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        }
        if (fd >= 0) {
            size_t done = 0;
            ssize_t w = 0;
            while (done < b.n && (w = write(fd, b.p + done, b.n - done)) > 0)
                done += (size_t)w;
            if (close(fd) != 0 || done != b.n || rename(tmp, path) != 0) {
                unlink(tmp);
            } else {
                cache_evict(dir, ".col", KEEP_COLLECTIONS);
            }
        }
        free(tmp);
    }
    free(b.p);
    free(path);
}

/* ---- reading ----------------------------------------------------------------- */

typedef struct in_buf {
    const unsigned char *p;
    size_t n, at;
    int bad;
} in_buf;

static uint32_t get_u32(in_buf *b)
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

/* The next string, pointing into the buffer (NUL-ended there, no other
 * NUL inside); NULL for a NULL string. */
static const char *get_str(in_buf *b, size_t *n)
{
    uint32_t len = get_u32(b);
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

/* A string that must be there (only the static ones may be NULL). */
static const char *get_used(in_buf *b)
{
    size_t n;
    const char *s = get_str(b, &n);
    if (!s)
        b->bad = 1;
    return s;
}

static const char *get_static(in_buf *b)
{
    size_t n;
    const char *s = get_str(b, &n);
    if (!s)
        return NULL;
    const char *kept = intern(s, n);
    if (!kept)
        b->bad = 1;
    return kept;
}

/* Fills `out` (whose items, files and expect pointers are already carved
 * out of its arena) from the body; the strings stay where they are. */
static int parse(tmd_collection *out, in_buf *b, char **expect, size_t nexpect)
{
    out->inexact = get_static(b);
    size_t used = 0;
    for (size_t i = 0; i < out->count && !b->bad; i++) {
        tmd_collected *it = &out->items[i];
        uint32_t kind = get_u32(b);
        it->nodeid = (char *)get_used(b);
        it->why = get_static(b);
        uint32_t n = get_u32(b);
        if (kind > TMD_COLLECT_PREFIX || b->bad)
            return -1;
        it->kind = (tmd_collect_kind)kind;
        if (i && strcmp(out->items[i - 1].nodeid, it->nodeid) > 0)
            return -1; /* lookups rely on the order */
        if (n == NO_STRING)
            continue;
        if (n > nexpect - used)
            return -1;
        it->expect = expect + used;
        it->nexpect = n;
        for (uint32_t k = 0; k < n && !b->bad; k++)
            expect[used++] = (char *)get_used(b);
    }
    if (used != nexpect)
        return -1;
    for (size_t i = 0; i < out->nfiles && !b->bad; i++) {
        out->files[i] = (char *)get_used(b);
        if (i && !b->bad && strcmp(out->files[i - 1], out->files[i]) > 0)
            return -1;
    }
    return b->bad || b->at != b->n ? -1 : 0;
}

/* Reads the whole of fd (size bytes) at `into`: 0, or -1. */
static int read_all(int fd, unsigned char *into, size_t size)
{
    size_t done = 0;
    ssize_t r = 0;
    while (done < size && (r = pread(fd, into + done, size - done, (off_t)done)) > 0)
        done += (size_t)r;
    return done == size ? 0 : -1;
}

int collect_cache_load(tmd_collection *out, const char *dir, const collect_key *key)
{
    memset(out, 0, sizeof *out);
    char *path = file_of(dir, key);
    if (!path)
        return -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    free(path);
    if (fd < 0)
        return -1;
    futimens(fd, NULL); /* most recently used: evicted last */
    struct stat st;
    unsigned char head[HEAD_SIZE];
    uint32_t count = 0, nfiles = 0, nexpect = 0;
    int ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= HEAD_SIZE &&
             st.st_size < ((off_t)1 << 31) && read_all(fd, head, HEAD_SIZE) == 0 &&
             !memcmp(head, MAGIC, 8) && !memcmp(head + 8, key->bytes, 16);
    size_t size = ok ? (size_t)st.st_size : 0;
    if (ok) {
        memcpy(&count, head + 32, 4);
        memcpy(&nfiles, head + 36, 4);
        memcpy(&nexpect, head + 40, 4);
        /* each item takes at least 14 bytes, each string 5 */
        ok = count <= size / 14 && nfiles <= size / 5 && nexpect <= size / 5;
    }
    /* one block: item structs, then file and expect pointers, then the file */
    size_t carve = (size_t)count * sizeof(tmd_collected) + ((size_t)nfiles + nexpect) * sizeof(char *);
    unsigned char *arena = ok ? malloc(carve + size + 1) : NULL;
    unsigned char *data = arena ? arena + carve : NULL;
    if (!data || read_all(fd, data, size) != 0 || memcmp(data, head, HEAD_SIZE)) {
        close(fd);
        free(arena);
        return -1;
    }
    close(fd);
    uint64_t want;
    memcpy(&want, data + 24, sizeof want);
    int rc = -1;
    if (XXH3_64bits(data + 32, size - 32) == want) {
        memset(arena, 0, carve);
        out->arena = arena;
        out->items = (tmd_collected *)arena;
        out->count = count;
        out->files = (char **)(out->items + count);
        out->nfiles = nfiles;
        in_buf b = {data + HEAD_SIZE, size - HEAD_SIZE, 0, 0};
        rc = parse(out, &b, out->files + nfiles, nexpect);
    } else {
        free(arena);
    }
    if (rc != 0)
        tmd_collection_free(out);
    return rc;
}
