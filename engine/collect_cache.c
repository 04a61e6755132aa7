/* collect_cache.c: collections saved under the hash of everything the
 * collector read (collect_cache.h). A file is a head (magic, key, hash of
 * the rest, the counts, the doctest flag) and a body of length-prefixed,
 * NUL-ended strings; it is written under a temporary name then renamed. A
 * warm run reads it into one block that becomes the collection
 * (tmd_collection.arena): the strings are used where they lie, every length
 * and the order checked, so 100,000 items cost no allocation each. */
#define _GNU_SOURCE /* O_PATH */
#include "cache_evict.h"
#include "cache_dir.h"
#include "collect_cache.h"
#include "collect_cache_io.h"

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
#define HEAD_SIZE 48 /* magic, key, hash, count, nfiles, nexpect, flags */
#define KEEP_COLLECTIONS 8 /* a few MB each on a large suite */

/* ---- the key ------------------------------------------------------------- */

static void hash_u64(XXH3_state_t *h, uint64_t v) { XXH3_128bits_update(h, &v, sizeof v); }

static void hash_str(XXH3_state_t *h, const char *s)
{
    hash_u64(h, strlen(s));
    XXH3_128bits_update(h, s, strlen(s));
}

void collect_key_of(collect_key *out, XXH128_hash_t v)
{
    XXH128_canonical_t canon;
    XXH128_canonicalFromHash(&canon, v);
    memcpy(out->bytes, canon.digest, sizeof out->bytes);
}

void collect_digest_bytes(collect_key *out, const void *bytes, size_t n)
{
    collect_key_of(out, XXH3_128bits(bytes, n));
}

/* The digest of the bytes of `name` under the folder `dir_fd` (AT_FDCWD:
 * `name` is a path; streamed: the same as of the whole), or a marker when
 * it cannot be opened: 0, or -1 for a directory or a read error (no key). */
static int digest_file(collect_key *out, XXH3_state_t *h, int dir_fd, const char *name)
{
    memset(out, 0, sizeof *out);
    int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        out->bytes[0] = errno == ENOENT ? 1 : 2;
        return 0;
    }
    XXH3_128bits_reset(h);
    unsigned char buf[65536];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        XXH3_128bits_update(h, buf, (size_t)n);
    close(fd);
    if (n < 0)
        return -1;
    collect_key_of(out, XXH3_128bits_digest(h));
    return 0;
}

/* The folder of the files being digested, open while files of it follow
 * one another: a file is then opened by its name alone instead of its whole
 * path (every component a lookup; a warm run digests every test module). */
typedef struct {
    char dir[8192]; /* relative to the root; "" for the root itself */
    int fd;         /* -1: not open (open paths whole) */
} open_dir;

/* `rel`'s name under `od`'s folder, opening that folder first if needed;
 * where it cannot be opened, `rel` as a whole path in `path`. */
static const char *name_in_dir(open_dir *od, char path[8192], const char *rootabs, const char *rel)
{
    const char *slash = strrchr(rel, '/');
    size_t dn = slash ? (size_t)(slash - rel) : 0;
    if (dn >= sizeof od->dir)
        return NULL;
    if (od->fd < 0 || strlen(od->dir) != dn || strncmp(od->dir, rel, dn)) {
        if (od->fd >= 0)
            close(od->fd);
        memcpy(od->dir, rel, dn);
        od->dir[dn] = '\0';
        if ((size_t)snprintf(path, 8192, "%s/%s", rootabs, od->dir) >= 8192)
            return NULL;
        od->fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC); /* no read right needed */
    }
    if (od->fd >= 0)
        return slash ? slash + 1 : rel;
    /* the folder cannot be opened: the whole path gives the same error */
    return (size_t)snprintf(path, 8192, "%s/%s", rootabs, rel) >= 8192 ? NULL : path;
}

/* Each listed file's path and digest into `h`, the digests also into `at`. */
static int hash_list(XXH3_state_t *h, XXH3_state_t *file_state, collect_key *at,
                     const char *rootabs, const strvec *list)
{
    hash_u64(h, list->n);
    char path[8192];
    open_dir od = {.fd = -1};
    int rc = 0;
    for (size_t i = 0; i < list->n && !rc; i++) {
        hash_str(h, list->v[i]);
        const char *name = name_in_dir(&od, path, rootabs, list->v[i]);
        if (!name || digest_file(&at[i], file_state, od.fd >= 0 ? od.fd : AT_FDCWD, name) != 0)
            rc = -1;
        else
            XXH3_128bits_update(h, at[i].bytes, sizeof at[i].bytes);
    }
    if (od.fd >= 0)
        close(od.fd);
    return rc;
}

int collect_cache_key(collect_key *key, collect_digests *d, const char *rootabs,
                      const strvec *conftests, const strvec *files)
{
    static const char *const configs[] = {"pytest.ini", ".pytest.ini", "pyproject.toml",
                                          "tox.ini", "setup.cfg"};
    d->unit = malloc((conftests->n + files->n + 1) * sizeof *d->unit);
    XXH3_state_t *h = XXH3_createState(), *file_state = XXH3_createState();
    struct stat st;
    int rc = d->unit && h && file_state && stat("/proc/self/exe", &st) == 0 ? 0 : -1;
    if (!rc) {
        XXH3_128bits_reset(h);
        hash_str(h, MAGIC);
        /* the collector's code: this executable */
        hash_u64(h, (uint64_t)st.st_dev);
        hash_u64(h, (uint64_t)st.st_ino);
        hash_u64(h, (uint64_t)st.st_size);
        hash_u64(h, (uint64_t)st.st_mtim.tv_sec * 1000000000u + (uint64_t)st.st_mtim.tv_nsec);
        hash_str(h, rootabs);
    }
    char path[8192];
    for (size_t i = 0; i < sizeof configs / sizeof *configs && !rc; i++) {
        collect_key config;
        snprintf(path, sizeof path, "%s/%s", rootabs, configs[i]);
        rc = digest_file(&config, file_state, AT_FDCWD, path);
        XXH3_128bits_update(h, config.bytes, sizeof config.bytes);
    }
    if (!rc) {
        collect_key_of(&d->config, XXH3_128bits_digest(h));
        rc = hash_list(h, file_state, d->unit, rootabs, conftests);
    }
    if (!rc)
        rc = hash_list(h, file_state, d->unit + conftests->n, rootabs, files);
    if (!rc)
        collect_key_of(key, XXH3_128bits_digest(h));
    XXH3_freeState(h);
    XXH3_freeState(file_state);
    if (rc) {
        free(d->unit);
        d->unit = NULL;
    }
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

void collect_cache_save(const tmd_collection *c, const char *dir, const collect_key *key)
{
    char *path = file_of(dir, key);
    if (!path)
        return;
    out_buf b = {0};
    size_t nexpect = 0;
    for (size_t i = 0; i < c->count; i++)
        nexpect += c->items[i].expect ? c->items[i].nexpect : 0;
    cc_put(&b, MAGIC, 8);
    cc_put(&b, key->bytes, sizeof key->bytes);
    uint64_t zero = 0;
    cc_put(&b, &zero, sizeof zero); /* the hash of the rest, filled in below */
    size_t hashed = b.n;
    cc_put_u32(&b, (uint32_t)c->count);
    cc_put_u32(&b, (uint32_t)c->nfiles);
    cc_put_u32(&b, (uint32_t)nexpect);
    cc_put_u32(&b, c->doctest_modules ? 1u : 0u); /* flags */
    cc_put_str(&b, c->inexact);
    for (size_t i = 0; i < c->count; i++) {
        const tmd_collected *it = &c->items[i];
        cc_put_u32(&b, (uint32_t)it->kind);
        cc_put_str(&b, it->nodeid);
        cc_put_str(&b, it->why);
        cc_put_u32(&b, it->expect ? (uint32_t)it->nexpect : NO_STRING);
        for (size_t k = 0; it->expect && k < it->nexpect; k++)
            cc_put_str(&b, it->expect[k]);
    }
    for (size_t i = 0; i < c->nfiles; i++)
        cc_put_str(&b, c->files[i]);
    if (!b.oom && c->count < NO_STRING && c->nfiles < NO_STRING && nexpect < NO_STRING) {
        uint64_t h = XXH3_64bits(b.p + hashed, b.n - hashed);
        memcpy(b.p + hashed - sizeof h, &h, sizeof h);
        cache_dir_make(dir);
        if (cc_write_atomically(path, &b) == 0)
            cache_evict(dir, ".col", KEEP_COLLECTIONS);
    }
    free(b.p);
    free(path);
}

/* ---- reading ----------------------------------------------------------------- */

/* Fills `out` (whose items, files and expect pointers are already carved
 * out of its arena) from the body; the strings stay where they are. */
static int parse(tmd_collection *out, in_buf *b, char **expect, size_t nexpect)
{
    out->inexact = cc_get_static(b);
    size_t used = 0;
    for (size_t i = 0; i < out->count && !b->bad; i++) {
        tmd_collected *it = &out->items[i];
        uint32_t kind = cc_get_u32(b);
        it->nodeid = (char *)cc_get_used(b);
        it->why = cc_get_static(b);
        uint32_t n = cc_get_u32(b);
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
            expect[used++] = (char *)cc_get_used(b);
    }
    if (used != nexpect)
        return -1;
    for (size_t i = 0; i < out->nfiles && !b->bad; i++) {
        out->files[i] = (char *)cc_get_used(b);
        if (i && !b->bad && strcmp(out->files[i - 1], out->files[i]) > 0)
            return -1;
    }
    return b->bad || b->at != b->n ? -1 : 0;
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
    uint32_t count = 0, nfiles = 0, nexpect = 0, flags = 0;
    int ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= HEAD_SIZE &&
             st.st_size < ((off_t)1 << 31) && cc_read_all(fd, head, HEAD_SIZE) == 0 &&
             !memcmp(head, MAGIC, 8) && !memcmp(head + 8, key->bytes, 16);
    size_t size = ok ? (size_t)st.st_size : 0;
    if (ok) {
        memcpy(&count, head + 32, 4);
        memcpy(&nfiles, head + 36, 4);
        memcpy(&nexpect, head + 40, 4);
        memcpy(&flags, head + 44, 4);
        /* each item takes at least 14 bytes, each string 5 */
        ok = count <= size / 14 && nfiles <= size / 5 && nexpect <= size / 5;
    }
    /* one block: item structs, then file and expect pointers, then the file */
    size_t carve = (size_t)count * sizeof(tmd_collected) + ((size_t)nfiles + nexpect) * sizeof(char *);
    unsigned char *arena = ok ? malloc(carve + size + 1) : NULL;
    unsigned char *data = arena ? arena + carve : NULL;
    if (!data || cc_read_all(fd, data, size) != 0 || memcmp(data, head, HEAD_SIZE)) {
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
        out->doctest_modules = flags & 1;
        in_buf b = {data + HEAD_SIZE, size - HEAD_SIZE, 0, 0};
        rc = parse(out, &b, out->files + nfiles, nexpect);
    } else {
        free(arena);
    }
    if (rc != 0)
        tmd_collection_free(out);
    return rc;
}
