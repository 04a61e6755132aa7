/* select_internal.h: what db.c, filestate.c and select.c share (internal).
 * Data flows db.c -> select.c <- filestate.c; the CLI sees only tmdiff.h. */
#ifndef TMD_SELECT_INTERNAL_H
#define TMD_SELECT_INTERNAL_H

#include "tmdiff.h"

/* ---- db.c: rows of one environment --------------------------------------- */

/* tmd_db_open without its check of every file_fp row (a full scan of the
 * table: the largest part of opening a big database). The caller must run
 * tmd_db_check_fingerprints before reading any row, unless a dependency index
 * of this very database is used: depindex_build refuses every row the check
 * refuses, so an index exists only for a database that passed it.
 * Release with tmd_db_close. */
int tmd_db_open_unchecked(tmd_db **out, const char *path);
/* TMD_EFORMAT naming the first file_fp row whose filename is not text or
 * whose method_checksums are not packed 32-bit checksums of a sane size. */
int tmd_db_check_fingerprints(tmd_db *db);

typedef struct tmd_db_test {
    int64_t id;
    char *name;
    double duration;
    int failed;
} tmd_db_test;

/* Every test_execution row of environment `env_id`, sorted by id.
 * free with tmd_db_tests_free. */
int tmd_db_tests_load(tmd_db_test **out, size_t *n, tmd_db *db, int64_t env_id);
void tmd_db_tests_free(tmd_db_test *tests, size_t n);

/* One fingerprint: a file and the blocks some test executed in it. */
typedef struct tmd_db_fp {
    int64_t id;
    char *filename;
    char *fsha; /* NULL where the database holds NULL */
} tmd_db_fp;

/* The fingerprints linked to at least one of `tests` (sorted by id, as
 * tmd_db_tests_load gives them), sorted by filename, then id.
 * free with tmd_db_fps_free. */
int tmd_db_fps_load(tmd_db_fp **out, size_t *n, tmd_db *db, const tmd_db_test *tests,
                    size_t ntests);
void tmd_db_fps_free(tmd_db_fp *fps, size_t n);

/* Calls `fn` for every link between one of `tests` and one of the
 * fingerprints `ids` (sorted ascending); `which` indexes `ids`, `checksums`
 * (decoded method_checksums) stays valid until the walk ends. A non-zero
 * return of fn stops the walk and is returned. */
typedef int (*tmd_db_link_fn)(void *ctx, int64_t test_id, size_t which,
                              const int32_t *checksums, size_t count);
int tmd_db_links_each(tmd_db *db, const tmd_db_test *tests, size_t ntests, const int64_t *ids,
                      size_t nids, tmd_db_link_fn fn, void *ctx);

/* ---- select_order.c: verdicts in node-ID order, matched with collection -- */

/* Sorts tests[0..n) by node_id (strcmp); a pass first, since testmon's
 * order often is the name order already. 0 or TMD_ENOMEM. */
int select_sort_verdicts(tmd_test_verdict *tests, size_t n);
/* tests[0..nleft) and tests[nleft..n), each sorted by node_id, merged into
 * one sorted array in place. 0 or TMD_ENOMEM. */
int select_merge_verdicts(tmd_test_verdict *tests, size_t nleft, size_t n);
/* Sets `exists` of tests[0..n) (sorted by node_id) from the collection
 * (items sorted by nodeid: one merge, tmd_collection_lookup only for a name
 * no item equals). Returns 1 when every item is EXACT and equal to one of
 * the names: no collected test is new (tmd_collection_new_tests need not
 * run); 0 otherwise. */
int select_mark_existing(tmd_test_verdict *tests, size_t n, const tmd_collection *col);

/* ---- gitindex.c: git's index read directly (libgit2 for the rest) -------- */

typedef struct tmd_gitindex tmd_gitindex;

/* Loads the index of the repository holding `root_real` (a realpath).
 * *out = NULL when the root is in no repository, or when the repository
 * uses something this reader leaves to libgit2 (*need_libgit2 = 1).
 * Release with tmd_gitindex_free. */
int tmd_gitindex_open(tmd_gitindex **out, int *need_libgit2, const char *root_real);
void tmd_gitindex_free(tmd_gitindex *ix);
/* The root relative to the work tree: "" or "sub/dir/". */
const char *tmd_gitindex_prefix(const tmd_gitindex *ix);
/* 1 and the blob id of the unconflicted stage-0 entry for `gitpath`. */
int tmd_gitindex_lookup(const tmd_gitindex *ix, const char *gitpath, uint8_t oid[20]);

/* ---- filestate.c: the current fsha of a file, without timestamps --------- */

typedef struct tmd_filestate tmd_filestate;

/* Opens the root (and its git repository, if any: the index decides which
 * files are unmodified). Release with tmd_filestate_close. */
int tmd_filestate_open(tmd_filestate **out, const char *root);
void tmd_filestate_close(tmd_filestate *fs);

typedef struct tmd_file_now {
    int present;        /* 0: missing, unreadable as a regular file, or refused */
    int unsafe;         /* 1: the name escapes the root (absolute, "..", symlink) */
    int git_clean;      /* 1: git tracks it and its content equals the index */
    int decodable;      /* 0: testmon cannot decode it (no fsha, no blocks) */
    char fsha[41];      /* what testmon compares: the index blob id when
                           git_clean, else testmon's own fsha */
    char reason[160];
    uint8_t *bytes;     /* the raw content when present (free()d by
                           tmd_file_now_free) */
    size_t len;
    int prepared;       /* 1: src holds the prepared text; 2: and its
                           fsha (own_fsha) */
    tmd_source src;     /* released by tmd_file_now_free */
} tmd_file_now;

/* The state of `relpath` (as stored in the database) now. A missing or
 * refused file is a successful call with present = 0. */
int tmd_filestate_get(tmd_file_now *out, tmd_filestate *fs, const char *relpath);
void tmd_file_now_free(tmd_file_now *f);
/* Prepares f->src from f->bytes if not done yet (a present file only),
 * without src.fsha: f->fsha is what testmon compares. */
int tmd_file_now_prepare(tmd_file_now *f);

/* 1 if `relpath` is a name tmdiff may open under the root: relative, '/'
 * separated, no "." or ".." component, no NUL. */
int tmd_filestate_name_ok(const char *relpath);

#endif
