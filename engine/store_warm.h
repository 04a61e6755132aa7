/* store_warm.h: answering a warm fetch from the cache without libgit2
 * (internal; see store_warm.c). */
#ifndef TMD_STORE_WARM_H
#define TMD_STORE_WARM_H

#include "dbcache.h"

/* HEAD's commit id read from the .git files of the work tree containing
 * repo_path; -1 whenever that is not plainly possible (then use libgit2). */
int tmd_store_warm_head(char out[41], const char *repo_path);

/* Fills *out (path: free() it, via tmd_store_result_free) when the cache
 * remembers the walk from `head` and it still holds: the database found is
 * cached and every nearer commit is a fresh miss. -1 otherwise. */
int tmd_store_warm_lookup(tmd_store_result *out, const tmd_dbcache *c, const char *head);

/* Remembers commits[0..found] of a walk (best effort). */
void tmd_store_warm_remember(const tmd_dbcache *c, const char (*commits)[41], size_t found,
                             size_t searched, int shallow);

#endif
