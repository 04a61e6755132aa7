/* scan.h: the files of interest read and hashed on every core (internal).
 *
 * Deciding which files changed means reading and hashing every file the
 * database names (hundreds of MB on a large repository) before anything
 * else can happen; the files are independent, so workers take them in turn.
 * Only changed files keep their bytes: memory follows the change, not the
 * repository: each worker reads into one reusable buffer (filestate_peek) and
 * copies out only a changed file's bytes. Git blob ids of contents seen
 * before come from the blob cache (blobcache.h), so a warm scan reads and
 * XXH3-hashes every file but computes SHA-1 only for new contents. Anything
 * a worker cannot settle (an error, a refused name) is left to the caller's
 * own tmd_filestate_get, which then reports it as before. */
#ifndef TMD_SCAN_H
#define TMD_SCAN_H

#include "select_internal.h"

enum { SCAN_NOT_DONE = 0, SCAN_UNCHANGED = 1, SCAN_KEPT = 2 };

typedef struct tmd_scan_file {
    int state;        /* SCAN_*: UNCHANGED has `now` without bytes */
    tmd_file_now now;
} tmd_scan_file;

/* Changed files can also be fingerprinted by the workers, into the
 * fingerprint cache: the caller's own fingerprinting then finds them there,
 * so parsing a branch's worth of changed files uses every core too. */
typedef struct tmd_scan_fp {
    const tmd_dialect *dialect;
    const char *cache_dir; /* as tmd_fpcache_open takes it */
    int precise;           /* also the non-dedented blocks (--precise) */
} tmd_scan_fp;

/* Scans the files of `fps` (sorted by filename: one entry per run of equal
 * names, in order) with up to `threads` threads (0: one per online CPU, at
 * most 8): the caller's `fs` on this thread, and a sibling of it (git's
 * index shared, read-only; buffers and handles its own) for each other one.
 * A file is unchanged when every fingerprint's fsha equals its
 * fsha now (select.c's rule). `fpo` NULL (--no-cache): no fingerprinting
 * and no blob cache; else both use fpo->cache_dir. *out has *nfiles
 * entries; release with tmd_scan_free. */
int tmd_scan_files(tmd_scan_file **out, size_t *nfiles, tmd_filestate *fs,
                   const tmd_db_fp *fps, size_t nfps, int threads, const tmd_scan_fp *fpo);
void tmd_scan_free(tmd_scan_file *files, size_t n);

/* The state of `relpath` into *now: the scanned one (moved out of `f`) when
 * there is one, else tmd_filestate_get's. A moved UNCHANGED state has no
 * bytes: a caller that finds the file changed after all calls
 * tmd_filestate_get again. */
int tmd_scan_take(tmd_file_now *now, tmd_scan_file *f, tmd_filestate *fs, const char *relpath);

#endif
