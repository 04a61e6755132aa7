/* depindex.h: the dependency index of one environment (internal).
 *
 * test_execution_file_fp has no index on fingerprint_id, so finding the
 * tests of the changed files means reading every link; the list of files of
 * interest needs every link too. The depindex reads each table once
 * (depindex_build.c) into one flat block: the environment's tests, its
 * files sorted by name, their fingerprints (fsha, checksums) and the tests
 * of each fingerprint. The block is saved in tmdiff's cache, named by the
 * database's identity, so a warm run maps it instead of reading millions of
 * rows; the database itself is never written. Anything unexpected (a
 * damaged cache, odd rows) means "no depindex": the caller then uses db.c's
 * queries, which decide (and report) as before. */
#ifndef TMD_DEPINDEX_H
#define TMD_DEPINDEX_H

#include "select_internal.h"

#include <stdint.h>

struct sqlite3;
/* db.c: the open connection, for depindex_build.c's reads (read only). */
struct sqlite3 *tmd_db_sqlite(tmd_db *db);

typedef struct tmd_depindex tmd_depindex;

/* The index of environment `env_id` of the database `db` opened from
 * `db_path` (its tests as tmd_db_tests_load reads them, with their links). cache_dir: tmdiff's
 * cache folder (NULL: $XDG_CACHE_HOME/tmdiff or ~/.cache/tmdiff); the index
 * lives in its depindex/ subfolder. use_cache 0: built in memory only,
 * nothing read or written there. Release with tmd_depindex_close. */
int tmd_depindex_open(tmd_depindex **out, tmd_db *db, const char *db_path, int64_t env_id,
                      const char *cache_dir, int use_cache);
void tmd_depindex_close(tmd_depindex *ix);

/* 1 when the index was read from the cache (0: built by this call). */
int tmd_depindex_was_cached(const tmd_depindex *ix);

/* As tmd_db_tests_load: the environment's tests sorted by id (names
 * copied); free with tmd_db_tests_free. */
int tmd_depindex_tests(const tmd_depindex *ix, tmd_db_test **out, size_t *n);
/* The same without copying the names: they point into the index (valid
 * until tmd_depindex_close, never to be written or freed): free() only *out. */
int tmd_depindex_tests_view(const tmd_depindex *ix, tmd_db_test **out, size_t *n);
/* 1 when `p` points into the index's memory (a name it handed out). */
int tmd_depindex_holds(const tmd_depindex *ix, const void *p);

/* As tmd_db_fps_load: the fingerprints linked to the tests, sorted by
 * filename, then id. The strings point into the index (valid until
 * tmd_depindex_close, never to be written or freed): free() only *out. */
int tmd_depindex_fps(const tmd_depindex *ix, tmd_db_fp **out, size_t *n);

/* As tmd_db_links_each: fn for every link between a test and one of the
 * fingerprints `ids` (sorted ascending). Checks them first as
 * tmd_depindex_links_check does, and calls fn for none when one fails. */
int tmd_depindex_links_each(const tmd_depindex *ix, const int64_t *ids, size_t nids,
                            tmd_db_link_fn fn, void *ctx);
/* TMD_EFORMAT when the links or checksums of one of the fingerprints `ids`
 * are not what the index was saved with (a cached file damaged since: it is
 * deleted, and the caller reads the links from the database instead). Only
 * the fingerprints a run reads are checked; the rest of a cached index is
 * checked when it is opened. */
int tmd_depindex_links_check(const tmd_depindex *ix, const int64_t *ids, size_t nids);

/* ---- the block layout, shared by depindex.c and depindex_build.c -------- */

#define DEPINDEX_MAGIC "TMDDEPX4"
#define DEPINDEX_NONE UINT32_MAX /* a NULL fsha */

/* What names a database's content: a change to the file or its WAL changes
 * one of these (ctime cannot be set back by a user), as does a rename over
 * it (a new inode); the SQLite header holds the change counter and page
 * count. Compared in full; its hash only names the cache file. */
typedef struct depindex_ident {
    uint64_t dev, ino, size, mtime_ns, ctime_ns;
    uint64_t wal_ino, wal_size, wal_mtime_ns, wal_ctime_ns;
    int64_t env_id;
    unsigned char header[100];
    unsigned char pad[4];
} depindex_ident;

typedef struct depindex_head {
    char magic[8];
    depindex_ident ident;
    uint64_t body_hash; /* XXH3-64 of everything after the head but links[]
                           and sums[] (each fingerprint's are in linkhash[]) */
    uint64_t nlinks, nfps, nfiles, nsums, nstr, ntests;
} depindex_head;

typedef struct depindex_test {
    int64_t id;
    double duration;
    uint32_t name; /* string offset */
    int32_t failed;
} depindex_test;

typedef struct depindex_file {
    uint32_t name, fp0, nfps; /* fps[fp0 .. fp0 + nfps), contiguous over files */
} depindex_file;

typedef struct depindex_fp {
    uint32_t fsha, sum0, nsums, link0, nlinks; /* links contiguous over fps */
} depindex_fp;

/* Body, in this order (8-byte arrays first): depindex_test tests[ntests]
 * (sorted by id), int64 links[nlinks] (test ids), int64 fpids[nfps], depindex_file files[nfiles] (sorted by name),
 * depindex_fp fps[nfps] (sorted by filename, then id), uint32 byid[nfps]
 * (fps indexes in ascending id order), int32 sums[nsums], char str[nstr]
 * (NUL-ended strings), zeros up to a multiple of 8 bytes from the block's
 * start, uint64 linkhash[nfps] (each fingerprint's links and sums hashed;
 * depindex_build leaves them zero, depindex.c fills them in). The links
 * are most of a large index and a run reads those of the changed files
 * only: they are checked per fingerprint, when read, instead of all at
 * every open. The size of a whole block with these counts: */
size_t depindex_block_size(const depindex_head *h);

/* depindex_build.c: reads the rows once and returns a malloc()ed block with
 * its head filled in except ident and body_hash; the caller frees it.
 * Contract select.c relies on: it fails on every file_fp row (linked or not)
 * that tmd_db_check_fingerprints refuses, so a database that has an index
 * needs no such check (tests/unit/test_db.c holds it to this). */
int depindex_build(unsigned char **block, size_t *size, tmd_db *db, int64_t env_id);

#endif
