/* collect_cache.h: static collection results kept in tmdiff's cache
 * (internal; used by collect.c).
 *
 * Parsing every test module costs more than the rest of a selection on a
 * large suite (2,000 test files: about a second), and test files rarely
 * change between runs. A collection is a function of what the collector
 * reads: the pytest config files at the root, the walk's list of conftest
 * and test files, those files' bytes, and the collector's own code (the
 * executable's identity). All of these make the key; a cached result is
 * used only under its exact 128-bit key and after a full check of the file.
 * Whoever makes the collector read another file must add it to the key. */
#ifndef TMD_COLLECT_CACHE_H
#define TMD_COLLECT_CACHE_H

#include "collect_internal.h"

typedef struct collect_key {
    unsigned char bytes[16];
} collect_key;

/* The key of a collection under `rootabs` whose walk found `conftests` and
 * `files` (relative paths). Reads the config candidates and every listed
 * file. 0, or -1 when a key cannot be made (then nothing is cached). */
int collect_cache_key(collect_key *key, const char *rootabs, const strvec *conftests,
                      const strvec *files);

/* Fills `out` from the cache in folder `dir`: 0 when found and intact, -1
 * otherwise (out is then zeroed). Release a found one with
 * tmd_collection_free. */
int collect_cache_load(tmd_collection *out, const char *dir, const collect_key *key);

/* Saves `c` under `key` in folder `dir`, made if missing (best effort:
 * failures are ignored). */
void collect_cache_save(const tmd_collection *c, const char *dir, const collect_key *key);

/* The folder to use: `cache_dir`/collect when cache_dir (the engine's
 * cache folder option) is given, else $TMDIFF_COLLECT_CACHE if set (""
 * disables the cache), else $XDG_CACHE_HOME/tmdiff/collect or
 * ~/.cache/tmdiff/collect. NULL: disabled. free() it. */
char *collect_cache_dir(const char *cache_dir);

#endif
