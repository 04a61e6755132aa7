/* depindex.c: the dependency index (depindex.h): found in the cache by the
 * database's identity and checked in full before use, else built and saved
 * (written to a temporary name, renamed into place: a reader never sees a
 * partial file). The cache keeps the few most recently used indexes. */
#include "cache_evict.h"
#include "cache_dir.h"
#include "depindex.h"
#include "error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#define KEEP_INDEXES 4 /* one per recent database; large ones are tens of MB */

struct tmd_depindex {
    unsigned char *block; /* the whole block: mapped (mapped_size) or malloc()ed */
    size_t mapped_size;
    const depindex_head *h;
    const depindex_test *tests;
    const int64_t *links;
    const int64_t *fpids;
    const depindex_file *files;
    const depindex_fp *fps;
    const uint32_t *byid;
    const int32_t *sums;
    const char *str;
    const uint64_t *linkhash;
    int cached;
    char *path; /* the cached file it was read from, or NULL */
};

/* Where linkhash[] starts: after the strings, 8-byte aligned. */
static size_t linkhash_offset(const depindex_head *h)
{
    size_t end = sizeof *h + h->ntests * sizeof(depindex_test) + h->nlinks * sizeof(int64_t) +
                 h->nfps * sizeof(int64_t) + h->nfiles * sizeof(depindex_file) +
                 h->nfps * sizeof(depindex_fp) + h->nfps * sizeof(uint32_t) +
                 h->nsums * sizeof(int32_t) + h->nstr;
    return (end + 7) & ~(size_t)7;
}

size_t depindex_block_size(const depindex_head *h)
{
    return linkhash_offset(h) + h->nfps * sizeof(uint64_t);
}

static uint64_t ns_of(struct timespec t) { return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec; }

static int identify(depindex_ident *id, const char *db_path, int64_t env_id)
{
    memset(id, 0, sizeof *id);
    struct stat st;
    int fd = open(db_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0 || pread(fd, id->header, sizeof id->header, 0) !=
                                             (ssize_t)sizeof id->header) {
        if (fd >= 0)
            close(fd);
        return tmd_error(TMD_EIO, "%s: cannot identify the database for the index", db_path);
    }
    close(fd);
    id->dev = (uint64_t)st.st_dev;
    id->ino = (uint64_t)st.st_ino;
    id->size = (uint64_t)st.st_size;
    id->mtime_ns = ns_of(st.st_mtim);
    id->ctime_ns = ns_of(st.st_ctim);
    char wal[4200];
    snprintf(wal, sizeof wal, "%s-wal", db_path);
    if (stat(wal, &st) == 0) {
        id->wal_ino = (uint64_t)st.st_ino;
        id->wal_size = (uint64_t)st.st_size;
        id->wal_mtime_ns = ns_of(st.st_mtim);
        id->wal_ctime_ns = ns_of(st.st_ctim);
    }
    id->env_id = env_id;
    return TMD_OK;
}

/* 1 when this process holds the file `id` names open: the connection reads
 * the file that was identified, not one renamed over it since (or a private
 * copy: db.c copies a database that has a WAL, which then gets no index). */
static int held_open(const depindex_ident *id)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return 0;
    int found = 0;
    struct dirent *e;
    while (!found && (e = readdir(d))) {
        char path[300];
        struct stat st;
        snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
        found = e->d_name[0] != '.' && stat(path, &st) == 0 &&
                (uint64_t)st.st_dev == id->dev && (uint64_t)st.st_ino == id->ino;
    }
    closedir(d);
    return found;
}

static int still_same(const depindex_ident *id, const char *db_path, int64_t env_id)
{
    depindex_ident now;
    return identify(&now, db_path, env_id) == TMD_OK && !memcmp(&now, id, sizeof now) &&
           held_open(&now);
}

/* Checks a block's head against its size and every offset in it, so the
 * lookups below need no bounds checks. What a lookup relies on to find
 * every link is checked too: files sorted by name (binary search), the
 * files' fingerprint ranges and the fingerprints' link ranges contiguous
 * and complete, byid a strictly ascending order of all fingerprints. */
static int check_block(tmd_depindex *ix, const unsigned char *block, size_t size)
{
    if (size < sizeof(depindex_head))
        return 0;
    const depindex_head *h = (const depindex_head *)block;
    if (memcmp(h->magic, DEPINDEX_MAGIC, 8) || h->ntests > size || h->nlinks > size || h->nfiles > size ||
        h->nfps > size || h->nsums > size || h->nstr > size || h->nstr == 0 ||
        depindex_block_size(h) != size)
        return 0;
    ix->h = h;
    ix->tests = (const depindex_test *)(block + sizeof *h);
    ix->links = (const int64_t *)(ix->tests + h->ntests);
    ix->fpids = ix->links + h->nlinks;
    ix->files = (const depindex_file *)(ix->fpids + h->nfps);
    ix->fps = (const depindex_fp *)(ix->files + h->nfiles);
    ix->byid = (const uint32_t *)(ix->fps + h->nfps);
    ix->sums = (const int32_t *)(ix->byid + h->nfps);
    ix->str = (const char *)(ix->sums + h->nsums);
    ix->linkhash = (const uint64_t *)(block + linkhash_offset(h));
    if (ix->str[h->nstr - 1] != '\0')
        return 0;
    for (uint64_t i = 0; i < h->ntests; i++)
        if (ix->tests[i].name >= h->nstr || (i && ix->tests[i - 1].id >= ix->tests[i].id))
            return 0;
    uint64_t next = 0;
    for (uint64_t i = 0; i < h->nfps; i++) {
        const depindex_fp *f = &ix->fps[i];
        if ((f->fsha != DEPINDEX_NONE && f->fsha >= h->nstr) ||
            (uint64_t)f->sum0 + f->nsums > h->nsums || f->link0 != next)
            return 0;
        next += f->nlinks;
        if (ix->byid[i] >= h->nfps ||
            (i && ix->fpids[ix->byid[i - 1]] >= ix->fpids[ix->byid[i]]))
            return 0;
    }
    if (next != h->nlinks)
        return 0;
    next = 0;
    for (uint64_t i = 0; i < h->nfiles; i++) {
        const depindex_file *f = &ix->files[i];
        if (f->name >= h->nstr || f->fp0 != next || !f->nfps || next + f->nfps > h->nfps)
            return 0;
        /* tmd_depindex_fps promises (filename, id) order: ids ascend per file */
        for (uint64_t j = next + 1; j < next + f->nfps; j++)
            if (ix->fpids[j - 1] >= ix->fpids[j])
                return 0;
        next += f->nfps;
        if (i && strcmp(ix->str + ix->files[i - 1].name, ix->str + f->name) >= 0)
            return 0;
    }
    return next == h->nfps;
}

/* The hash of a checked block (check_block set ix's pointers) without its
 * links and sums: every other byte after the head. 0 when out of memory
 * (a body_hash of 0 is then never taken as a match: see its callers). */
static uint64_t body_hash(const tmd_depindex *ix, size_t size)
{
    const unsigned char *block = (const unsigned char *)ix->h;
    const unsigned char *links = (const unsigned char *)ix->links,
                        *links_end = (const unsigned char *)(ix->links + ix->h->nlinks),
                        *sums = (const unsigned char *)ix->sums,
                        *sums_end = (const unsigned char *)(ix->sums + ix->h->nsums);
    XXH3_state_t *st = XXH3_createState();
    if (!st)
        return 0;
    XXH3_64bits_reset(st);
    XXH3_64bits_update(st, block + sizeof(depindex_head),
                       (size_t)(links - block) - sizeof(depindex_head));
    XXH3_64bits_update(st, links_end, (size_t)(sums - links_end));
    XXH3_64bits_update(st, sums_end, size - (size_t)(sums_end - block));
    uint64_t h = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    return h;
}

/* The hash of fingerprint i's links and checksums. */
static uint64_t fp_hash(const tmd_depindex *ix, size_t i)
{
    const depindex_fp *f = &ix->fps[i];
    uint64_t seed = XXH3_64bits(ix->links + f->link0, f->nlinks * sizeof *ix->links);
    return XXH3_64bits_withSeed(ix->sums + f->sum0, f->nsums * sizeof *ix->sums, seed);
}

/* The cached index for `id`, or 0. */
static int load_cached(tmd_depindex *ix, const char *path, const depindex_ident *id)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    struct stat st;
    void *map = MAP_FAILED;
    if (fstat(fd, &st) == 0 && st.st_size >= (off_t)sizeof(depindex_head))
        map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map != MAP_FAILED)
        futimens(fd, NULL); /* most recently used: kept longest */
    close(fd);
    if (map == MAP_FAILED)
        return 0;
    size_t size = (size_t)st.st_size;
    const depindex_head *h = map;
    if (memcmp(&h->ident, id, sizeof *id) || !check_block(ix, map, size) ||
        !h->body_hash || h->body_hash != body_hash(ix, size) || !(ix->path = strdup(path))) {
        munmap(map, size);
        memset(ix, 0, sizeof *ix);
        return 0;
    }
    ix->block = map;
    ix->mapped_size = size;
    ix->cached = 1;
    return 1;
}

/* Best effort: an index that cannot be saved is simply built again. */
static void save(const char *dir, const char *path, const unsigned char *block, size_t size)
{
    char tmp[4300];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    size_t done = 0;
    while (done < size) {
        ssize_t w = write(fd, block + done, size - done);
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    if (close(fd) != 0 || done != size || rename(tmp, path) != 0) {
        unlink(tmp);
        return;
    }
    cache_evict(dir, ".idx", KEEP_INDEXES);
}

int tmd_depindex_open(tmd_depindex **out, tmd_db *db, const char *db_path, int64_t env_id,
                      const char *cache_dir, int use_cache)
{
    *out = NULL;
    tmd_depindex *ix = calloc(1, sizeof *ix);
    if (!ix)
        return tmd_error(TMD_ENOMEM, "depindex: out of memory");
    depindex_ident id;
    char *dir = NULL, path[4300] = "";
    int rc = identify(&id, db_path, env_id);
    if (rc == TMD_OK && !held_open(&id))
        rc = tmd_error(TMD_EIO, "%s: not the file the connection reads (replaced, or a private "
                       "copy); no dependency index", db_path);
    if (rc == TMD_OK && use_cache && (dir = cache_dir_path(cache_dir, "depindex"))) {
        snprintf(path, sizeof path, "%s/%016llx.idx", dir,
                 (unsigned long long)XXH3_64bits(&id, sizeof id));
        if (load_cached(ix, path, &id)) {
            free(dir);
            if (!still_same(&id, db_path, env_id)) {
                tmd_depindex_close(ix);
                return tmd_error(TMD_EIO, "%s: changed while tmdiff read it; no dependency "
                                 "index", db_path);
            }
            *out = ix;
            return TMD_OK;
        }
    }
    unsigned char *block = NULL;
    size_t size = 0;
    if (rc == TMD_OK)
        rc = depindex_build(&block, &size, db, env_id);
    if (rc == TMD_OK) {
        depindex_head *h = (depindex_head *)block;
        h->ident = id;
        if (!check_block(ix, block, size)) {
            rc = tmd_error(TMD_EFORMAT, "%s: the dependency index came out inconsistent "
                           "(a tmdiff bug; the database is read directly)", db_path);
        } else {
            uint64_t *linkhash = (uint64_t *)(block + linkhash_offset(h));
            for (size_t i = 0; i < h->nfps; i++)
                linkhash[i] = fp_hash(ix, i);
            if (!(h->body_hash = body_hash(ix, size)))
                rc = tmd_error(TMD_ENOMEM, "depindex: out of memory");
        }
    }
    /* a database changed while it was read is not saved under either name */
    if (rc == TMD_OK && !still_same(&id, db_path, env_id))
        rc = tmd_error(TMD_EIO, "%s: changed while tmdiff read it; no dependency index",
                       db_path);
    if (rc == TMD_OK) {
        ix->block = block;
        if (dir) {
            cache_dir_make(dir);
            save(dir, path, block, size);
        }
        *out = ix;
    } else {
        free(block);
        free(ix);
    }
    free(dir);
    return rc;
}

void tmd_depindex_close(tmd_depindex *ix)
{
    if (!ix)
        return;
    free(ix->path);
    if (ix->mapped_size)
        munmap(ix->block, ix->mapped_size);
    else
        free(ix->block);
    free(ix);
}

int tmd_depindex_was_cached(const tmd_depindex *ix) { return ix->cached; }

int tmd_depindex_tests(const tmd_depindex *ix, tmd_db_test **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    size_t count = ix->h->ntests;
    tmd_db_test *tests = calloc(count ? count : 1, sizeof *tests);
    if (!tests)
        return tmd_error(TMD_ENOMEM, "depindex: out of memory");
    for (size_t i = 0; i < count; i++) {
        tests[i].id = ix->tests[i].id;
        tests[i].duration = ix->tests[i].duration;
        tests[i].failed = ix->tests[i].failed;
        if (!(tests[i].name = strdup(ix->str + ix->tests[i].name))) {
            tmd_db_tests_free(tests, i);
            return tmd_error(TMD_ENOMEM, "depindex: out of memory");
        }
    }
    *out = tests;
    *n = count;
    return TMD_OK;
}

int tmd_depindex_tests_view(const tmd_depindex *ix, tmd_db_test **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    size_t count = ix->h->ntests;
    tmd_db_test *tests = malloc((count ? count : 1) * sizeof *tests);
    if (!tests)
        return tmd_error(TMD_ENOMEM, "depindex: out of memory");
    for (size_t i = 0; i < count; i++) {
        tests[i].id = ix->tests[i].id;
        tests[i].duration = ix->tests[i].duration;
        tests[i].failed = ix->tests[i].failed;
        /* read only: the strings live in the (possibly mapped) block */
        tests[i].name = (char *)(ix->str + ix->tests[i].name);
    }
    *out = tests;
    *n = count;
    return TMD_OK;
}

int tmd_depindex_holds(const tmd_depindex *ix, const void *p)
{
    size_t size = ix->mapped_size ? ix->mapped_size : depindex_block_size(ix->h);
    return (uintptr_t)p - (uintptr_t)ix->block < size;
}

int tmd_depindex_fps(const tmd_depindex *ix, tmd_db_fp **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    size_t count = ix->h->nfps;
    tmd_db_fp *fps = malloc((count ? count : 1) * sizeof *fps);
    if (!fps)
        return tmd_error(TMD_ENOMEM, "depindex: out of memory");
    for (uint64_t i = 0; i < ix->h->nfiles; i++) {
        const depindex_file *f = &ix->files[i];
        for (uint32_t j = f->fp0; j < f->fp0 + f->nfps; j++) {
            uint32_t fsha = ix->fps[j].fsha;
            fps[j].id = ix->fpids[j];
            /* read only: the strings live in the (possibly mapped) block */
            fps[j].filename = (char *)(ix->str + f->name);
            fps[j].fsha = fsha == DEPINDEX_NONE ? NULL : (char *)(ix->str + fsha);
        }
    }
    *out = fps;
    *n = count;
    return TMD_OK;
}

/* The fps index of fingerprint `id`, or -1. */
static long find_fp(const tmd_depindex *ix, int64_t id)
{
    size_t lo = 0, hi = ix->h->nfps;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int64_t at = ix->fpids[ix->byid[mid]];
        if (at == id)
            return (long)ix->byid[mid];
        if (at < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

int tmd_depindex_links_check(const tmd_depindex *ix, const int64_t *ids, size_t nids)
{
    if (!ix->cached)
        return TMD_OK; /* built by this process, in its own memory */
    for (size_t which = 0; which < nids; which++) {
        long at = find_fp(ix, ids[which]);
        if (at >= 0 && ix->linkhash[at] != fp_hash(ix, (size_t)at)) {
            unlink(ix->path); /* the next run builds it again */
            return tmd_error(TMD_EFORMAT, "%s: the cached dependency index is damaged (the "
                             "links of fingerprint %lld); the database is read directly",
                             ix->path, (long long)ids[which]);
        }
    }
    return TMD_OK;
}

int tmd_depindex_links_each(const tmd_depindex *ix, const int64_t *ids, size_t nids,
                            tmd_db_link_fn fn, void *ctx)
{
    int rc = tmd_depindex_links_check(ix, ids, nids);
    if (rc != TMD_OK)
        return rc;
    for (size_t which = 0; which < nids; which++) {
        long at = find_fp(ix, ids[which]);
        if (at < 0)
            continue; /* linked to no test of the environment */
        const depindex_fp *fp = &ix->fps[at];
        for (uint32_t l = 0; l < fp->nlinks; l++) {
            rc = fn(ctx, ix->links[fp->link0 + l], which, ix->sums + fp->sum0, fp->nsums);
            if (rc != 0)
                return rc;
        }
    }
    return TMD_OK;
}
