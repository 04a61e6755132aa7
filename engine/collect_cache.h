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

#include <xxhash.h>

/* What a key is made of, for the per-file layer below: the digest of the
 * collector (this executable), the root and its config files, and one per
 * walked file, conftests first (XXH3-128 of its bytes; a marker when it
 * cannot be opened). */
typedef struct collect_digests {
    collect_key config;
    collect_key *unit; /* conftests->n + files->n; free() it */
} collect_digests;

/* The key of a collection under `rootabs` whose walk found `conftests` and
 * `files` (relative paths), and its digests. Reads the config candidates and
 * every listed file. 0, or -1 when a key cannot be made (then nothing is
 * cached; d->unit is then NULL). */
int collect_cache_key(collect_key *key, collect_digests *d, const char *rootabs,
                      const strvec *conftests, const strvec *files);
/* The digest of bytes as collect_cache_key takes it from a file. */
void collect_digest_bytes(collect_key *out, const void *bytes, size_t n);
/* A key from an XXH3-128 value (its canonical, big-endian bytes). */
void collect_key_of(collect_key *out, XXH128_hash_t v);

/* Fills `out` from the cache in folder `dir`: 0 when found and intact, -1
 * otherwise (out is then zeroed). Release a found one with
 * tmd_collection_free. */
int collect_cache_load(tmd_collection *out, const char *dir, const collect_key *key);

/* Saves `c` under `key` in folder `dir`, made if missing (best effort:
 * failures are ignored). */
void collect_cache_save(const tmd_collection *c, const char *dir, const collect_key *key);

/* ---- the per-file layer (collect_cache_files.c) ----------------------------
 * When the whole collection misses (a test file was edited), each file's
 * fixture facts and items are taken from the root's last collection where
 * nothing they depend on changed: its bytes and path, the config and
 * collector, and, for items, every file's facts merged. Only the rest is
 * parsed. Units are indexed as in collect_digests. */
typedef struct collect_files_cache collect_files_cache;

/* NULL when out of memory (then nothing is reused or kept). `d` must
 * outlive the cache. */
collect_files_cache *collect_files_open(const char *dir, const collect_digests *d, size_t nconf,
                                        size_t nfiles);
void collect_files_free(collect_files_cache *fc);
/* 1 and *out filled when reused (and kept for the next collection), 0
 * when not, TMD_ENOMEM. One thread per unit at a time. `role`: how the
 * unit is read (collect_scan_fixtures' is_conftest), part of the key. */
int collect_files_facts(collect_files_cache *fc, size_t unit, const char *rel, int role,
                        collect_facts *out);
/* After the first phase: the merged facts every file's items depend on. */
void collect_files_facts_done(collect_files_cache *fc, const collect_facts *merged);
int collect_files_items(collect_files_cache *fc, size_t file, const char *rel, item_list *out);
/* Keeps what this run computed for a unit read as its digest says (one
 * thread per unit at a time); saved by collect_files_save into `dir`, while
 * the kept item lists still exist. */
void collect_files_keep_facts(collect_files_cache *fc, size_t unit, const char *rel, int role,
                              const collect_facts *f);
void collect_files_keep_items(collect_files_cache *fc, size_t file, const char *rel,
                              const item_list *l);
void collect_files_save(collect_files_cache *fc, const char *dir);

/* The folder to use: `cache_dir`/collect when cache_dir (the engine's
 * cache folder option) is given, else $TMDIFF_COLLECT_CACHE if set (""
 * disables the cache), else $XDG_CACHE_HOME/tmdiff/collect or
 * ~/.cache/tmdiff/collect. NULL: disabled. free() it. */
char *collect_cache_dir(const char *cache_dir);

#endif
