/* blobcache.h: git blob ids of file contents already hashed (internal).
 *
 * A warm scan reads every file of interest and compares its git blob id
 * (SHA-1) with git's index. SHA-1 is most of that scan's CPU, so contents
 * seen before are found by a much cheaper hash instead: XXH3-128 of the
 * bytes, seeded with a random secret stored in the cache file (a collision
 * must be crafted against a seed only the cache's owner can read). The
 * bytes are still read and hashed on every run: only the SHA-1 of a content
 * already seen is skipped, never the look at the content itself.
 *
 * Testmon's own fsha (files git does not report unmodified, or no git at
 * all) is kept the same way, under keys of another seed.
 *
 * One flat file, $XDG_CACHE_HOME/tmdiff/blobids.bin (or the --cache-dir
 * folder): a header and entries sorted by key, read in one go. A file that
 * is damaged, truncated, foreign or not private to its owner is ignored
 * and replaced. New entries are written back (temp file + rename) only
 * when a run found some (or, once a day, to mark entries used); the
 * BLOBCACHE_MAX_ENTRIES most recently used stay.
 *
 * Threads: after blobcache_open, any number of threads may call
 * blobcache_key and blobcache_lookup at once; each keeps the ids it had to
 * compute in a blobcache_pending of its own, merged by one thread
 * (blobcache_merge) before blobcache_save. */
#ifndef TMD_BLOBCACHE_H
#define TMD_BLOBCACHE_H

#include <stddef.h>
#include <stdint.h>

#define BLOBCACHE_FILE "blobids.bin"
/* 40 bytes each: 5 MiB, the files of several large repositories. */
#define BLOBCACHE_MAX_ENTRIES 131072
/* A run that only finds entries still rewrites the file when one of them
 * was last marked used this long ago (keeps the eviction order true). */
#define BLOBCACHE_REFRESH_SECS 86400u

typedef struct blobcache blobcache;

typedef struct blobcache_entry {
    uint8_t key[16];  /* XXH3-128 of the content under the cache's seed, big-endian */
    uint8_t oid[20];  /* git's blob id of that content */
    uint32_t used;    /* seconds since the epoch of the last run that used it */
} blobcache_entry;

/* Ids one worker computed; zero-initialise. Freed by blobcache_merge or
 * blobcache_pending_free. */
typedef struct blobcache_pending {
    blobcache_entry *e;
    size_t n, cap;
} blobcache_pending;

/* Loads the cache of folder `dir` (NULL: $XDG_CACHE_HOME/tmdiff, else
 * ~/.cache/tmdiff). A missing or unusable file gives an empty cache with a
 * new seed, not an error; TMD_ENOMEM or TMD_ENOTFOUND (no folder known)
 * otherwise. Release with blobcache_close. */
int blobcache_open(blobcache **out, const char *dir);
/* blobcache_open with an entry bound (tests use a small one). */
int blobcache_open_bounded(blobcache **out, const char *dir, size_t max_entries);
void blobcache_close(blobcache *c);

/* The key of `n` bytes under this cache's seed, for their git blob id. */
void blobcache_key(const blobcache *c, const void *bytes, size_t n, uint8_t key[16]);
/* The key of `n` bytes for testmon's own fsha of them (a file git does not
 * report unmodified). That fsha comes from tmdiff's decoding, so the key
 * also holds this build's identity: a rebuild starts afresh. 0 when the
 * build has no identity (then that fsha is not cached), else 1. */
int blobcache_key_fsha(const blobcache *c, const void *bytes, size_t n, uint8_t key[16]);
/* 1 and the blob id in oid when `key` is known, else 0. Thread-safe. */
int blobcache_lookup(blobcache *c, const uint8_t key[16], uint8_t oid[20]);

/* Remembers an id computed now; best effort (no memory: not remembered). */
void blobcache_pending_add(blobcache_pending *p, const uint8_t key[16], const uint8_t oid[20]);
void blobcache_pending_free(blobcache_pending *p);
/* Moves p's entries into the cache (one thread at a time); p is emptied. */
void blobcache_merge(blobcache *c, blobcache_pending *p);

/* Writes the cache back when entries were added since it was loaded (or
 * an entry used was last marked so BLOBCACHE_REFRESH_SECS ago):
 * atomically (temp file + rename), the most recently used first when over
 * the bound. Best effort: 0, or -1 when it could not (the cache stays
 * usable; the next run computes those ids again). */
int blobcache_save(blobcache *c);

/* For tests: entries held, and the cache file's path. */
size_t blobcache_count(const blobcache *c);
const char *blobcache_path(const blobcache *c);

#endif
