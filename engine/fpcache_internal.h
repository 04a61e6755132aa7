/* fpcache_internal.h: knobs of the fingerprint cache, for its tests. */
#ifndef TMD_FPCACHE_INTERNAL_H
#define TMD_FPCACHE_INTERNAL_H

#include "tmdiff.h"

#include <stddef.h>

/* Rows kept (about 100 bytes each plus checksums): pruned oldest first. */
#define FPCACHE_MAX_ROWS 200000
/* Pruning runs on the first store and then every this many stores. */
#define FPCACHE_PRUNE_EVERY 512

/* tmd_fpcache_open with the version part of the keys and the row bound
 * given (tests use them to simulate an upgrade and a full cache). */
int fpcache_open_versioned(tmd_fpcache **out, const char *dir, const char *version, size_t max_rows);
/* Rows now in the cache. */
size_t fpcache_rows(tmd_fpcache *cache);
/* The cache's SQLite file. */
const char *fpcache_path(const tmd_fpcache *cache);

#endif
